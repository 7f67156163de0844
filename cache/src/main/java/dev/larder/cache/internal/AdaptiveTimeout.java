package dev.larder.cache.internal;

import java.time.Duration;

/**
 * A Redis call timeout derived from the round trips Redis has actually taken, between a floor and
 * the configured ceiling ({@code redisTimeout}).
 *
 * <p>A fixed timeout is a guess that fails both ways: tight, it takes a busy host's slow answers
 * (GC pauses, CPU steal, a loaded Redis) for a dead Redis, opens the breaker and makes instances
 * load around each other's leases; loose, it makes every caller wait long for a Redis that hangs.
 * This keeps a decaying high-water mark of recent successful round trips (the slowest recent
 * answer, halving every {@value #HALF_LIFE_MILLIS} ms without a slower one) and waits {@value
 * #MULTIPLIER} times it plus {@value #SLACK_MILLIS} ms: it grows at once with the first slow
 * answers and shrinks slowly, while a Redis that stops answering feeds it nothing, so a hang is
 * still detected at the level the last answers set.
 */
final class AdaptiveTimeout {
  static final long HALF_LIFE_MILLIS = 10_000;
  static final int MULTIPLIER = 4;
  static final long SLACK_MILLIS = 20;

  /** The least a call is given, unless the ceiling is lower. */
  static final Duration FLOOR = Duration.ofMillis(250);

  private final long ceilingNanos;
  private final long floorNanos;
  private final long slackNanos = SLACK_MILLIS * 1_000_000L;
  private final double decayPerNano = Math.log(2) / (HALF_LIFE_MILLIS * 1_000_000.0);
  // Guarded by this; reads are racy on purpose (a stale estimate is still an estimate).
  private volatile double estimateNanos;
  private volatile long updatedNanos;

  AdaptiveTimeout(Duration ceiling) {
    this.ceilingNanos = ceiling.toNanos();
    this.floorNanos = Math.min(ceilingNanos, FLOOR.toNanos());
    // Before any answer: assume the ceiling is what the user expects, so a cold start on a busy
    // host is not cut short.
    this.estimateNanos = (ceilingNanos - slackNanos) / (double) MULTIPLIER;
    this.updatedNanos = System.nanoTime();
  }

  /** How long the next call may take, in nanoseconds. */
  long nanos() {
    double decayed =
        estimateNanos * Math.exp(-decayPerNano * Math.max(0, System.nanoTime() - updatedNanos));
    long t = (long) (MULTIPLIER * decayed) + slackNanos;
    return Math.max(floorNanos, Math.min(ceilingNanos, t));
  }

  /** Records a successful call's round trip. */
  synchronized void record(long roundTripNanos) {
    long now = System.nanoTime();
    double decayed = estimateNanos * Math.exp(-decayPerNano * Math.max(0, now - updatedNanos));
    estimateNanos = Math.max(decayed, (double) roundTripNanos);
    updatedNanos = now;
  }
}
