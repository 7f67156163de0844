package dev.larder.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Just enough of the Redis protocol (RESP2) for readiness probes and admin commands, so that the
 * testkit needs no client of its own and can issue what client libraries refuse or hide (such as
 * {@code CLIENT KILL TYPE pubsub}).
 */
public final class Resp {

  /** Largest bulk reply read (admin replies such as {@code CLIENT LIST} are far smaller). */
  private static final int MAX_BULK = 64 * 1024 * 1024;

  private Resp() {}

  /** An error reply ({@code -ERR ...}) from the server. */
  public static final class ErrorReply extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the server's error line without the leading {@code -}
     */
    public ErrorReply(String message) {
      super(message);
    }
  }

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
  public static String command(String host, int port, int timeoutMillis, String command)
      throws IOException {
    try (Socket s = connect(host, port, timeoutMillis)) {
      s.getOutputStream().write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      return readLine(s.getInputStream());
    }
  }

  /**
   * Sends one command as a RESP array (so arguments may hold spaces or be empty) on a new
   * connection and returns the decoded reply.
   *
   * @param host host
   * @param port port
   * @param timeoutMillis connect and read timeout
   * @param args the command and its arguments, e.g. {@code "CLIENT", "KILL", "TYPE", "pubsub"}
   * @return a {@code String} (simple or bulk string), a {@code Long} (integer), a {@code
   *     List<Object>} (array) or null (nil bulk string or array)
   * @throws ErrorReply if the server answered with an error
   * @throws IOException on connection failure, timeout or a malformed reply
   */
  public static @Nullable Object call(String host, int port, int timeoutMillis, String... args)
      throws IOException {
    try (Socket s = connect(host, port, timeoutMillis)) {
      OutputStream out = s.getOutputStream();
      out.write(encode(args));
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
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

  static byte[] encode(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeAscii(out, "*" + args.length + "\r\n");
    for (String a : args) {
      byte[] b = a.getBytes(StandardCharsets.UTF_8);
      writeAscii(out, "$" + b.length + "\r\n");
      out.write(b, 0, b.length);
      writeAscii(out, "\r\n");
    }
    return out.toByteArray();
  }

  /**
   * Reads one reply.
   *
   * @param in the connection's input
   * @return the decoded reply, see {@link #call}
   * @throws IOException on a malformed or error reply
   */
  static @Nullable Object read(InputStream in) throws IOException {
    String line = readLine(in);
    if (line.isEmpty()) {
      throw new IOException("empty reply line");
    }
    String rest = line.substring(1);
    switch (line.charAt(0)) {
      case '+' -> {
        return rest;
      }
      case '-' -> throw new ErrorReply(rest);
      case ':' -> {
        return parseLong(rest, line);
      }
      case '$' -> {
        long len = parseLong(rest, line);
        if (len < 0) {
          return null;
        }
        if (len > MAX_BULK) {
          throw new IOException("bulk reply of " + len + " bytes is larger than " + MAX_BULK);
        }
        byte[] data = in.readNBytes((int) len);
        if (data.length < len) {
          throw new EOFException("bulk reply cut short");
        }
        if (in.read() != '\r' || in.read() != '\n') {
          throw new IOException("bulk reply not terminated by CRLF");
        }
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*' -> {
        long n = parseLong(rest, line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>();
        for (long i = 0; i < n; i++) {
          items.add(read(in));
        }
        return items;
      }
      default -> throw new IOException("not a RESP2 reply: '" + line + "'");
    }
  }

  private static Socket connect(String host, int port, int timeoutMillis) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    if (c == -1 && line.length() == 0) {
      throw new EOFException("connection closed before a reply");
    }
    return line.toString();
  }

  private static long parseLong(String s, String line) throws IOException {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IOException("malformed reply line '" + line + "'", e);
    }
  }

  private static void writeAscii(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(b, 0, b.length);
  }
}
