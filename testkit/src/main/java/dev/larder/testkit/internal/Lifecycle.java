package dev.larder.testkit.internal;

/** The fault hooks of one process or container, plus the final teardown. */
public interface Lifecycle {

  /** Starts (or restarts) and waits until ready. */
  void start();

  /** Stops and waits until gone. */
  void stop();

  /** Freezes. */
  void pause();

  /** Thaws. */
  void resume();

  /**
   * Whether started and not paused.
   *
   * @return the state
   */
  boolean isRunning();

  /**
   * Kills at once without a clean shutdown (SIGKILL, or {@code docker kill}) and waits until gone:
   * what a crash or an OOM kill does. A paused server is killed too. {@link #start()} brings it
   * back.
   *
   * @throws UnsupportedOperationException if this lifecycle cannot kill
   */
  default void kill() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot kill its server");
  }

  /** Final teardown at JVM exit: thaw, stop, remove. Never throws. */
  void destroy();
}
