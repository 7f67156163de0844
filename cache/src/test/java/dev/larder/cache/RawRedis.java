package dev.larder.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Test support: one RESP command over a fresh socket, a client apart from every Redisson client.
 */
final class RawRedis {
  private RawRedis() {}

  /** Sends one command and returns the first line of the reply (e.g. ":2" or "-ERR ..."). */
  static String command(String host, int port, String... args) throws IOException {
    try (Socket s = new Socket(host, port)) {
      s.setSoTimeout(5_000);
      StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        b.append('$')
            .append(a.getBytes(StandardCharsets.UTF_8).length)
            .append("\r\n")
            .append(a)
            .append("\r\n");
      }
      OutputStream out = s.getOutputStream();
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\r') {
        line.append((char) c);
      }
      return line.toString();
    }
  }
}
