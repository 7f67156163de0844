package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports. */
public final class Ports {

  /** Every server binds here and nowhere else. */
  public static final String LOOPBACK = "127.0.0.1";

  private Ports() {}

  /**
   * A TCP port free on 127.0.0.1 right now (the kernel picks it). Another process may take it
   * before the server binds; the window is short and a start then fails with a clear message.
   *
   * @return the port
   */
  @SuppressWarnings("AddressSelection") // a literal loopback address: no name is resolved
  public static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new TestServerException("no free port on " + LOOPBACK + ": " + e.getMessage(), e);
    }
  }
}
