package dev.larder.core;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The clock seam: wall time for what is stored or shown (written-at, ages, cursor expiry) and a
 * monotonic nanosecond counter for what is measured (timeouts, latencies, refresh decisions).
 *
 * <p>Every Larder component takes a {@code TimeSource} in its builder and defaults to {@link
 * #system()}, so tests drive time with a {@link ManualTimeSource} instead of sleeping.
 * Implementations must be thread-safe.
 */
public interface TimeSource {

  /**
   * The current wall-clock instant.
   *
   * @return now
   */
  Instant now();

  /**
   * A monotonic counter in nanoseconds with an arbitrary origin, as {@link System#nanoTime()}; only
   * differences between two readings mean anything.
   *
   * @return the counter
   */
  long nanoTime();

  /**
   * This source's wall time as a {@link Clock} in UTC, for APIs that take one.
   *
   * @return a clock reading {@link #now()}
   */
  default Clock asClock() {
    TimeSource self = this;
    return new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        throw new UnsupportedOperationException("a TimeSource clock is always UTC");
      }

      @Override
      public Instant instant() {
        return self.now();
      }
    };
  }

  /**
   * The system's clocks: {@link Clock#systemUTC()} and {@link System#nanoTime()}.
   *
   * @return the shared system time source
   */
  static TimeSource system() {
    return SystemTimeSource.INSTANCE;
  }
}

/** The system clocks. */
enum SystemTimeSource implements TimeSource {
  INSTANCE;

  private static final Clock UTC = Clock.systemUTC();

  @Override
  public Instant now() {
    return UTC.instant();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }
}
