package dev.larder.testkit.internal;

import java.util.concurrent.TimeUnit;

/** Elapsed time for start-up log lines. */
public final class Millis {

  private Millis() {}

  /**
   * Milliseconds since a {@link System#nanoTime()} reading.
   *
   * @param startNanos the reading
   * @return elapsed milliseconds
   */
  public static long since(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}
