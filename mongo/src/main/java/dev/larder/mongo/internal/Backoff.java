package dev.larder.mongo.internal;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter, the cap applied before the jitter so capped attempts keep
 * their spread: {@code random(0, min(cap, base * 2^(attempt-1)))}. A stop-gap until
 * larder-resilience's backoff can be used here; the public API only exposes base and cap.
 */
public final class Backoff {
  private final Duration base;
  private final Duration cap;
  private final DoubleSupplier random;

  /**
   * Creates a backoff.
   *
   * @param base the first attempt's ceiling, {@code > 0}
   * @param cap the largest ceiling, {@code >= base}
   * @param random uniform values in {@code [0, 1)}
   */
  public Backoff(Duration base, Duration cap, DoubleSupplier random) {
    this.base = Require.positive(base, "initialBackoff");
    this.cap = Require.positive(cap, "maxBackoff");
    if (cap.compareTo(base) < 0) {
      throw new IllegalArgumentException("maxBackoff must be >= initialBackoff (" + base + ") but was " + cap);
    }
    this.random = Require.notNull(random, "random");
  }

  /**
   * The ceiling for an attempt, before jitter.
   *
   * @param attempt the failed attempt's number, from 1
   * @return {@code min(cap, base * 2^(attempt-1))}
   */
  public Duration ceiling(int attempt) {
    Require.positive(attempt, "attempt");
    long baseNanos = base.toNanos();
    int shift = Math.min(attempt - 1, 62);
    long ceiling = shift >= Long.numberOfLeadingZeros(baseNanos) - 1 ? Long.MAX_VALUE : baseNanos << shift;
    return Duration.ofNanos(Math.min(ceiling, cap.toNanos()));
  }

  /**
   * The delay before the attempt after {@code attempt}.
   *
   * @param attempt the failed attempt's number, from 1
   * @return a delay in {@code [0, ceiling(attempt)]}
   */
  public Duration delay(int attempt) {
    double r = random.getAsDouble();
    if (!(r >= 0.0 && r < 1.0)) {
      r = 0.0;
    }
    return Duration.ofNanos((long) (ceiling(attempt).toNanos() * r));
  }
}
