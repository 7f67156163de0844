package dev.larder.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the Redis protocol for readiness probes and admin commands, so that the
 * testkit needs no client of its own.
 */
public final class Resp {

    private Resp() {}

    /**
     * Sends one inline command and returns the first reply line.
     *
     * @param host host
     * @param port port
     * @param timeoutMillis connect and read timeout
     * @param command e.g. {@code "PING"}
     * @return the reply line without CRLF, such as {@code "+PONG"}
     * @throws IOException on connection failure or timeout
     */
    public static String command(String host, int port, int timeoutMillis, String command) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    /**
     * Whether the server answers PING with PONG.
     *
     * @param host host
     * @param port port
     * @return {@code true} if it answered within 500 ms
     */
    public static boolean ping(String host, int port) {
        try {
            return "+PONG".equals(command(host, port, 500, "PING"));
        } catch (IOException e) {
            return false;
        }
    }
}
