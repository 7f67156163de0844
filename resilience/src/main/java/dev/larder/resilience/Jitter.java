package dev.larder.resilience;

/**
 * How a retry policy spreads its waits so that clients that failed together do not retry together.
 *
 * <p>Both are the formulas from Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture
 * Blog, 2015), with one change that matters under outage: the cap is applied <em>before</em> the
 * random draw, never after it. Capping after the draw (as resilience4j's own randomized exponential
 * backoff does) makes every client whose exponential has reached the cap wait exactly the cap, so
 * the jitter is lost exactly when many clients are failing.
 *
 * <p>With {@code base} the initial interval, {@code cap} the maximum interval and {@code n} the
 * retry number (1 for the first retry):
 */
public enum Jitter {
  /**
   * {@code sleep = random(0, min(cap, base * 2^(n-1)))}, uniform, both ends included. The mean wait
   * is half the exponential ceiling; waits may be zero. The best spread for many clients failing at
   * once, and the default.
   */
  FULL,

  /**
   * {@code sleep = random(base, min(cap, previous * 3))}, uniform, both ends included, with {@code
   * previous = base} before the first retry. Every wait is at least {@code base}, and each depends
   * on the previous one, so it needs per-call state, which the policy keeps per call (never shared
   * between calls or threads). AWS writes {@code min(cap, random(base, previous * 3))}; that form
   * returns exactly {@code cap} about two times in three once the walk reaches the cap, so the cap
   * is applied first here too.
   */
  DECORRELATED
}
