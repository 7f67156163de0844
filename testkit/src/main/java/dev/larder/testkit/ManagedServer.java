package dev.larder.testkit;

/**
 * A server the testkit started, with hooks to inject faults into it.
 *
 * <p>The hooks act on the real process or container: {@link #stop()} makes it go away (clients see
 * "connection refused"), {@link #start()} brings it back on the same host and port, {@link
 * #pause()} freezes it (SIGSTOP or {@code docker pause}: connections stay open but nothing answers,
 * so clients run into their timeouts) and {@link #resume()} thaws it. Servers are shared by every
 * test in the JVM, so a test that stops or pauses one must start or resume it again, typically in a
 * {@code finally} block.
 *
 * <p>Implementations are thread-safe; calls that do not change the state (stop on a stopped server,
 * resume on a running one) return at once.
 */
public interface ManagedServer {

  /**
   * A short human-readable name for logs, such as {@code "redis"} or {@code "postgres-standby"}.
   *
   * @return the name, never blank
   */
  String name();

  /**
   * Stops the server and waits until its process or container is gone. A paused server is resumed
   * first so that it can shut down cleanly.
   *
   * @throws TestServerException if the server cannot be stopped
   */
  void stop();

  /**
   * Starts a stopped server again on the same address and waits until it accepts connections. Data
   * the server keeps on disk (PostgreSQL's data directory) is retained; an in-memory server (Redis)
   * may come back empty.
   *
   * @throws TestServerException if the server does not come up within its start timeout
   */
  void start();

  /**
   * Freezes the running server (SIGSTOP to its processes, or {@code docker pause}). Open
   * connections stay open but get no answer.
   *
   * @throws UnsupportedOperationException if this server cannot be frozen (the in-process MongoDB
   *     stand-in)
   * @throws IllegalStateException if the server is stopped
   */
  void pause();

  /**
   * Thaws a paused server (SIGCONT, or {@code docker unpause}).
   *
   * @throws UnsupportedOperationException if this server cannot be frozen
   */
  void resume();

  /**
   * Whether the server is started and not paused.
   *
   * @return {@code true} when it should answer requests
   */
  boolean isRunning();
}
