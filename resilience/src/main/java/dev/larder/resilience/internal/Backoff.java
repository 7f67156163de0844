package dev.larder.resilience.internal;

import dev.larder.resilience.Jitter;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The two jittered exponential backoff functions, in whole milliseconds, cap applied before the
 * random draw (see {@link Jitter}). Immutable and thread-safe; the randomness is passed in so each
 * caller chooses its generator.
 */
public final class Backoff {
  private final Jitter jitter;
  private final long baseMillis;
  private final long capMillis;

  /**
   * Creates the function.
   *
   * @param jitter which formula
   * @param baseMillis the initial interval, {@code >= 0}
   * @param capMillis the maximum interval, {@code >= baseMillis}
   */
  public Backoff(Jitter jitter, long baseMillis, long capMillis) {
    this.jitter = Objects.requireNonNull(jitter, "jitter");
    if (baseMillis < 0 || capMillis < baseMillis) {
      throw new IllegalArgumentException(
          "need 0 <= baseMillis <= capMillis but was " + baseMillis + ", " + capMillis);
    }
    this.baseMillis = baseMillis;
    this.capMillis = capMillis;
  }

  /** The formula. @return the jitter */
  public Jitter jitter() {
    return jitter;
  }

  /** The initial interval. @return milliseconds */
  public long baseMillis() {
    return baseMillis;
  }

  /** The cap. @return milliseconds */
  public long capMillis() {
    return capMillis;
  }

  /**
   * The exponential ceiling {@code min(cap, base * 2^(retry-1))}, without overflow.
   *
   * @param retry the retry number, 1 for the first retry
   * @return the ceiling in milliseconds
   */
  public long ceilingMillis(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1 but was " + retry);
    }
    int shift = retry - 1;
    if (baseMillis == 0) {
      return 0;
    }
    if (shift >= 62 || baseMillis > (capMillis >> shift)) {
      return capMillis;
    }
    return Math.min(capMillis, baseMillis << shift);
  }

  /**
   * The wait before retry number {@code retry}.
   *
   * @param retry the retry number, 1 for the first retry
   * @param previousMillis the previous wait of this same call ({@link #baseMillis()} before the
   *     first retry); only {@link Jitter#DECORRELATED} reads it
   * @param random the random source
   * @return the wait in milliseconds, within {@code [0, cap]} ({@code [base, cap]} for
   *     decorrelated)
   */
  public long nextMillis(int retry, long previousMillis, RandomGenerator random) {
    if (jitter == Jitter.FULL) {
      return uniform(0, ceilingMillis(retry), random);
    }
    if (retry < 1) {
      throw new IllegalArgumentException("retry must be >= 1 but was " + retry);
    }
    long previous = Math.max(baseMillis, previousMillis);
    long upper = previous > capMillis / 3 ? capMillis : Math.min(capMillis, previous * 3);
    return uniform(baseMillis, upper, random);
  }

  /**
   * The "previous wait" to use when a call's own history is not available (the exposed resilience4j
   * {@code Retry} used on its own): the un-jittered exponential of the retry before.
   *
   * @param retry the retry about to be made, 1 for the first
   * @return a stand-in for the previous wait
   */
  public long derivedPreviousMillis(int retry) {
    return retry <= 1 ? baseMillis : ceilingMillis(retry - 1);
  }

  private static long uniform(long low, long high, RandomGenerator random) {
    if (high <= low) {
      return low;
    }
    return low + random.nextLong(high - low + 1);
  }

  @Override
  public String toString() {
    return jitter + " jitter, base " + baseMillis + " ms, cap " + capMillis + " ms";
  }
}
