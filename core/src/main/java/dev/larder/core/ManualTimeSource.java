package dev.larder.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TimeSource} that moves only when told to, for tests. Wall time and the monotonic counter
 * advance together; {@link #setNow(Instant)} moves wall time alone (as an NTP step would) and never
 * moves the monotonic counter backwards.
 *
 * <p>Thread-safe.
 */
public final class ManualTimeSource implements TimeSource {
  private final ReentrantLock lock = new ReentrantLock();
  private Instant now;
  private long nanos;

  private ManualTimeSource(Instant start) {
    this.now = start;
  }

  /**
   * A source starting at the given instant, with the monotonic counter at zero.
   *
   * @param start the initial wall time
   * @return the source
   */
  public static ManualTimeSource startingAt(Instant start) {
    return new ManualTimeSource(Objects.requireNonNull(start, "start must not be null"));
  }

  /**
   * Moves both clocks forward.
   *
   * @param amount how far, {@code >= 0}
   * @return this source
   * @throws IllegalArgumentException if {@code amount} is negative
   */
  public ManualTimeSource advance(Duration amount) {
    Objects.requireNonNull(amount, "amount must not be null");
    if (amount.isNegative()) {
      throw new IllegalArgumentException("amount must be >= 0 but was " + amount);
    }
    lock.lock();
    try {
      now = now.plus(amount);
      nanos += amount.toNanos();
    } finally {
      lock.unlock();
    }
    return this;
  }

  /**
   * Sets wall time only (it may go backwards); the monotonic counter does not move.
   *
   * @param instant the new wall time
   * @return this source
   */
  public ManualTimeSource setNow(Instant instant) {
    Objects.requireNonNull(instant, "instant must not be null");
    lock.lock();
    try {
      now = instant;
    } finally {
      lock.unlock();
    }
    return this;
  }

  @Override
  public Instant now() {
    lock.lock();
    try {
      return now;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long nanoTime() {
    lock.lock();
    try {
      return nanos;
    } finally {
      lock.unlock();
    }
  }
}
