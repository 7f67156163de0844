package dev.larder.core;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long a long-lived reader (an {@link AbstractInvalidationSource}) waits before reconnecting
 * after a failure: doubling from {@code initial}, capped at {@code max} <em>before</em> the jitter
 * is drawn (so clients that all reached the cap still spread out), then jittered into {@code [d/2,
 * d]} so a reconnect never spins at zero delay.
 *
 * <p>This is not a retry policy for calls (see larder-resilience's {@code RetryPolicy} for that): a
 * reader reconnects for as long as it lives, with no attempt limit and no deadline. Immutable and
 * thread-safe.
 *
 * @param initial the first delay, before jitter; {@code > 0}
 * @param max the longest delay; {@code >= initial}
 */
public record ReconnectBackoff(Duration initial, Duration max) {
  /** Default first delay: 100 ms. */
  public static final Duration DEFAULT_INITIAL = Duration.ofMillis(100);

  /** Default longest delay: 10 s. */
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(10);

  private static final ReconnectBackoff DEFAULTS =
      new ReconnectBackoff(DEFAULT_INITIAL, DEFAULT_MAX);

  /** Past this shift the exponential is above any cap a Duration in nanoseconds can hold. */
  private static final int MAX_SHIFT = 40;

  /**
   * Checks the bounds. The messages name the builder setting {@code reconnectBackoff(initial, max)}
   * that the sources expose, so callers can pass their arguments straight through.
   *
   * @param initial the first delay
   * @param max the longest delay
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if either is not positive ({@code "reconnectBackoff.initial
   *     must be > 0 but was PT0S"}) or {@code max < initial} ({@code "reconnectBackoff.max must be
   *     >= initial PT2S but was PT1S"})
   */
  public ReconnectBackoff {
    Require.positive(initial, "reconnectBackoff.initial");
    Require.positive(max, "reconnectBackoff.max");
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "reconnectBackoff.max must be >= initial " + initial + " but was " + max);
    }
  }

  /**
   * The default backoff: {@link #DEFAULT_INITIAL} doubling to {@link #DEFAULT_MAX}.
   *
   * @return the shared default
   */
  public static ReconnectBackoff defaults() {
    return DEFAULTS;
  }

  /**
   * The delay before reconnect attempt {@code attempt}, drawn with {@link ThreadLocalRandom}.
   *
   * @param attempt 1 for the first reconnect after a failure; values below 1 count as 1
   * @return a delay in {@code [d/2, d]} with {@code d = min(max, initial * 2^(attempt-1))}
   */
  public Duration delay(int attempt) {
    return delay(attempt, ThreadLocalRandom.current());
  }

  /**
   * The delay before reconnect attempt {@code attempt}, drawn from the given generator.
   *
   * @param attempt 1 for the first reconnect after a failure; values below 1 count as 1
   * @param random where the jitter comes from ({@link RandomGenerator#nextLong(long)} is called
   *     with a positive bound)
   * @return a delay in {@code [d/2, d]} with {@code d = min(max, initial * 2^(attempt-1))}
   */
  public Duration delay(int attempt, RandomGenerator random) {
    long initialNanos = initial.toNanos();
    long maxNanos = max.toNanos();
    int shift = Math.min(Math.max(attempt - 1, 0), MAX_SHIFT);
    long capped =
        initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
    long half = capped / 2;
    long jitter = half > 0 ? random.nextLong(half + 1) : 0;
    return Duration.ofNanos(capped - half + jitter);
  }
}
