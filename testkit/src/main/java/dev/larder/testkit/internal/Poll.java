package dev.larder.testkit.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Polls a condition. The testkit waits for servers this way because a server gives no event when it
 * becomes ready; tests themselves use Awaitility.
 */
public final class Poll {

  private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private Poll() {}

  /**
   * Polls every 50 ms until the condition holds or the timeout passes.
   *
   * @param timeout how long to wait
   * @param condition checked at once and then every 50 ms
   * @return whether the condition held in time
   */
  public static boolean until(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(INTERVAL_NANOS);
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
    }
  }
}
