package dev.larder.jdbc.invalidation;

import java.time.Duration;
import java.util.function.LongUnaryOperator;

/**
 * Reconnect delays: exponential from {@code initial}, capped at {@code max} before the jitter is
 * applied (so capped clients still spread out), then jittered into {@code [d/2, d]} so a reconnect
 * never spins at zero delay.
 */
record Backoff(Duration initial, Duration max) {

  /**
   * The delay before attempt {@code attempt} (1 = first retry).
   *
   * @param random maps a bound {@code b > 0} to a value in {@code [0, b)}
   */
  Duration delay(int attempt, LongUnaryOperator random) {
    long initialNanos = initial.toNanos();
    long maxNanos = max.toNanos();
    int shift = Math.min(Math.max(attempt - 1, 0), 40);
    long exp = initialNanos > (maxNanos >> shift) ? maxNanos : initialNanos << shift;
    long capped = Math.min(maxNanos, exp);
    long half = capped / 2;
    long jitter = half > 0 ? random.applyAsLong(half + 1) : 0;
    return Duration.ofNanos(capped - half + jitter);
  }
}
