package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.resilience.internal.Backoff;
import dev.larder.resilience.internal.MicrometerSupport;
import dev.larder.resilience.internal.RetryPlanner;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Retries a call with jittered exponential backoff, driven by a {@link FailureClassifier}, on top
 * of resilience4j-retry.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder("orders-db").build();     // 3 attempts, 1 s .. 30 s, full jitter
 * Order o = retry.callChecked(true, () -> orders.find(id));        // idempotent read
 * retry.callChecked(false, () -> tx.inTransaction(this::placeOrder)); // whole transaction re-run
 * }</pre>
 *
 * <p><b>What is retried.</b> After a failed attempt the classifier judges the failure: {@link
 * FailureClass#TRANSIENT} is retried; {@link FailureClass#UNKNOWN} (the work may have taken effect)
 * only when the caller declared the call idempotent; {@link FailureClass#PERMANENT} never ({@link
 * FailureClass#isRetryable(boolean)}). Pass {@code idempotent = false} for a whole transaction: a
 * serialization failure or deadlock rolled it back, so re-running it is safe, while a connection
 * lost during its commit is UNKNOWN and is not re-run blindly.
 *
 * <p><b>When.</b> Before retry {@code n} (1 for the first) the call waits as {@link Jitter} says,
 * never more than {@link Builder#maxInterval(Duration) maxInterval}; no attempt is started more
 * than {@link Builder#deadline(Duration) deadline} after the call began (a retry that could not
 * start in time is not waited for: the failure surfaces at once); at most {@link
 * Builder#maxAttempts(int) maxAttempts} attempts are made in all. Per-call state (attempt count,
 * previous wait, start time) lives in the call's own stack frame, never in the shared policy, so
 * concurrent calls cannot disturb each other's decorrelated jitter.
 *
 * <p><b>Presets.</b> {@link #builder(String)} starts from the seed defaults, 3 attempts from 1 s up
 * to 30 s, meant for background and batch work where waiting seconds is fine. {@link
 * #interactiveBuilder(String)} starts from 3 attempts, 50 ms up to 1 s, 2 s deadline, for a request
 * a person is waiting on: a one-second first backoff would spend that request's whole latency
 * budget asleep, and the layers above (browser, gateway, mesh) retry too, so retries multiply.
 *
 * <p><b>resilience4j.</b> {@link #retry()} is the underlying {@link Retry}: subscribe to its events
 * ({@code onRetry}, {@code onError}, {@code onIgnoredError}, {@code onSuccess}) and read its
 * metrics as usual. A call that stops early (deadline, budget, breaker, a non-retryable failure
 * after a retry) ends with a {@code RetryOnErrorEvent}; a call whose first failure is not retried
 * ends with {@code RetryOnIgnoredErrorEvent}. Decorating with the {@code Retry} directly (without
 * this class) still uses the classifier (as for non-idempotent work) and the backoff, but knows of
 * no deadline or budget, and decorrelated jitter then derives its previous wait from the attempt
 * number.
 *
 * <p>Immutable and thread-safe.
 */
public final class RetryPolicy implements CallGuard {
  /** Seed default: attempts in all, the first included. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Seed default: the ceiling of the first wait. */
  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(1);

  /** Seed default: no wait is longer. */
  public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofSeconds(30);

  /** Seed default: no attempt starts later than this after the call began. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /** Default jitter. */
  public static final Jitter DEFAULT_JITTER = Jitter.FULL;

  /** Interactive preset: attempts in all. */
  public static final int INTERACTIVE_MAX_ATTEMPTS = 3;

  /** Interactive preset: initial interval. */
  public static final Duration INTERACTIVE_INITIAL_INTERVAL = Duration.ofMillis(50);

  /** Interactive preset: maximum interval. */
  public static final Duration INTERACTIVE_MAX_INTERVAL = Duration.ofSeconds(1);

  /** Interactive preset: deadline. */
  public static final Duration INTERACTIVE_DEADLINE = Duration.ofSeconds(2);

  /**
   * Hands the decision for the current failure to resilience4j's predicate and interval function.
   */
  private static final ThreadLocal<@Nullable Handoff> HANDOFF = new ThreadLocal<>();

  private final String name;
  private final int maxAttempts;
  private final Duration initialInterval;
  private final Duration maxInterval;
  private final @Nullable Duration deadline;
  private final Jitter jitter;
  private final FailureClassifier classifier;
  private final TimeSource time;
  private final RetryPlanner planner;
  private final Retry retry;
  private final MicrometerSupport.@Nullable RetryMeters meters;

  private RetryPolicy(
      String name,
      int maxAttempts,
      Duration initialInterval,
      Duration maxInterval,
      @Nullable Duration deadline,
      Jitter jitter,
      FailureClassifier classifier,
      TimeSource time,
      @Nullable Object meterRegistry) {
    this.name = name;
    this.maxAttempts = maxAttempts;
    this.initialInterval = initialInterval;
    this.maxInterval = maxInterval;
    this.deadline = deadline;
    this.jitter = jitter;
    this.classifier = classifier;
    this.time = time;
    Backoff backoff = new Backoff(jitter, initialInterval.toMillis(), maxInterval.toMillis());
    this.planner =
        new RetryPlanner(
            backoff, maxAttempts, deadline == null ? 0 : saturatedNanos(deadline), classifier);
    RetryConfig config =
        RetryConfig.custom()
            .maxAttempts(maxAttempts)
            .retryOnException(this::resilience4jMayRetry)
            .intervalBiFunction(intervalFunction(backoff))
            .failAfterMaxAttempts(false)
            .build();
    this.retry = Retry.of(name, config);
    this.meters =
        meterRegistry == null ? null : MicrometerSupport.retryMeters(meterRegistry, name, retry);
  }

  /**
   * A builder with the seed defaults: {@value #DEFAULT_MAX_ATTEMPTS} attempts, 1 s initial
   * interval, 30 s maximum interval, 30 s deadline, full jitter, {@link
   * FailureClassifiers#standard()}.
   *
   * @param name names the policy (and its resilience4j {@code Retry}) in events, meters, logs
   * @return a new builder
   * @throws NullPointerException if {@code name} is null
   */
  public static Builder builder(String name) {
    return new Builder(Require.notNull(name, "name"), false);
  }

  /**
   * A builder preset for interactive paths: {@value #INTERACTIVE_MAX_ATTEMPTS} attempts, 50 ms
   * initial interval, 1 s maximum interval, 2 s deadline, full jitter. Any setting can still be
   * given once to override the preset.
   *
   * @param name names the policy
   * @return a new builder
   * @throws NullPointerException if {@code name} is null
   */
  public static Builder interactiveBuilder(String name) {
    return new Builder(Require.notNull(name, "name"), true);
  }

  /**
   * A policy with the seed defaults.
   *
   * @param name names the policy
   * @return the policy
   */
  public static RetryPolicy ofDefaults(String name) {
    return builder(name).build();
  }

  /**
   * Runs work (that may throw a checked exception) retrying as this policy says; every other form
   * ({@link #call}, {@link #run}, the decorators) comes through here.
   *
   * @param idempotent whether repeating the work is harmless even if an earlier attempt took
   *     effect; decides whether {@link FailureClass#UNKNOWN} failures are retried
   * @param work the work
   * @param <T> the result type
   * @param <E> the checked exception
   * @return the first successful result
   * @throws E the last failure when the policy stops retrying (or a {@code RuntimeException})
   */
  @Override
  public <T, E extends Exception> T callChecked(boolean idempotent, ThrowingSupplier<T, E> work)
      throws E {
    Require.notNull(work, "work");
    return Attempts.run(this, null, null, idempotent, work);
  }

  /** {@return the underlying resilience4j retry, for its events and metrics} */
  public Retry retry() {
    return retry;
  }

  /** {@return the name} */
  public String name() {
    return name;
  }

  /** {@return attempts in all, the first included} */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** {@return the ceiling of the first wait} */
  public Duration initialInterval() {
    return initialInterval;
  }

  /** {@return the longest wait} */
  public Duration maxInterval() {
    return maxInterval;
  }

  /** {@return the deadline after which no attempt starts, if any} */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  /** {@return the jitter formula} */
  public Jitter jitter() {
    return jitter;
  }

  /** {@return the failure classifier} */
  public FailureClassifier classifier() {
    return classifier;
  }

  RetryPlanner planner() {
    return planner;
  }

  TimeSource time() {
    return time;
  }

  MicrometerSupport.@Nullable RetryMeters meters() {
    return meters;
  }

  /** Runs resilience4j's bookkeeping (events, metrics, the wait) with a decision already made. */
  static void handOff(
      Retry.Context<?> ctx, Exception failure, RetryPlanner.Decision decision, int attempt)
      throws Exception {
    Handoff previous = HANDOFF.get();
    HANDOFF.set(new Handoff(decision, attempt));
    try {
      if (failure instanceof RuntimeException re) {
        ctx.onRuntimeError(re);
      } else {
        ctx.onError(failure);
      }
    } finally {
      if (previous == null) {
        HANDOFF.remove();
      } else {
        HANDOFF.set(previous);
      }
    }
  }

  private boolean resilience4jMayRetry(Throwable failure) {
    Handoff h = HANDOFF.get();
    if (h == null) {
      // The Retry used on its own: classify, as for work not declared idempotent.
      return classifier.classify(failure).isRetryable(false);
    }
    // A first failure that is not retried is an "ignored error" to resilience4j; any later stop is
    // reported through the interval function (a negative interval ends the call, resilience4j
    // #2067).
    return h.attempt > 1
        || (h.decision.verdict() != RetryPlanner.Verdict.NOT_RETRYABLE
            && h.decision.verdict() != RetryPlanner.Verdict.DEADLINE
            && h.decision.verdict() != RetryPlanner.Verdict.BUDGET
            && h.decision.verdict() != RetryPlanner.Verdict.REJECTED);
  }

  private static <T> IntervalBiFunction<T> intervalFunction(Backoff backoff) {
    return (Integer attempt, Either<Throwable, T> outcome) -> {
      Handoff h = HANDOFF.get();
      if (h == null) {
        int n = attempt == null ? 1 : Math.max(1, attempt);
        return backoff.nextMillis(n, backoff.derivedPreviousMillis(n), ThreadLocalRandom.current());
      }
      return h.decision.retry() ? h.decision.waitMillis() : -1L;
    };
  }

  @Override
  public String toString() {
    return "RetryPolicy["
        + name
        + ", maxAttempts="
        + maxAttempts
        + ", "
        + planner.backoff()
        + ", deadline="
        + (deadline == null ? "none" : deadline)
        + "]";
  }

  private static long saturatedNanos(Duration d) {
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private record Handoff(RetryPlanner.Decision decision, int attempt) {}

  /**
   * Builds a {@link RetryPolicy}. Each setting may be given once (a second call throws {@link
   * IllegalStateException} naming the earlier value); every value is checked in {@link #build()}.
   */
  public static final class Builder {
    private final String name;
    private final boolean interactive;
    private @Nullable Integer maxAttempts;
    private @Nullable Duration initialInterval;
    private boolean initialIntervalSet;
    private @Nullable Duration maxInterval;
    private boolean maxIntervalSet;
    private @Nullable Duration deadline;
    private boolean deadlineSet;
    private boolean noDeadline;
    private @Nullable Jitter jitter;
    private boolean jitterSet;
    private @Nullable FailureClassifier classifier;
    private boolean classifierSet;
    private @Nullable TimeSource timeSource;
    private boolean timeSourceSet;
    private @Nullable Object meterRegistry;

    private Builder(String name, boolean interactive) {
      this.name = name;
      this.interactive = interactive;
    }

    /**
     * Attempts in all, the first included; 1 disables retrying.
     *
     * @param attempts {@code >= 1}; default 3
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxAttempts(int attempts) {
      Require.notYetSet(maxAttempts, "maxAttempts");
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The ceiling of the first wait ({@code base} in the {@link Jitter} formulas).
     *
     * @param interval {@code >= 0}, whole milliseconds; default 1 s (interactive: 50 ms)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder initialInterval(Duration interval) {
      Require.notYetSet(initialIntervalSet ? initialInterval : null, "initialInterval");
      this.initialInterval = interval;
      this.initialIntervalSet = true;
      return this;
    }

    /**
     * The longest wait ({@code cap}), applied before the random draw.
     *
     * @param interval {@code >= initialInterval}; default 30 s (interactive: 1 s)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder maxInterval(Duration interval) {
      Require.notYetSet(maxIntervalSet ? maxInterval : null, "maxInterval");
      this.maxInterval = interval;
      this.maxIntervalSet = true;
      return this;
    }

    /**
     * No attempt starts later than this after the call began; a retry that could not start in time
     * is not waited for.
     *
     * @param deadline {@code > 0}; default 30 s (interactive: 2 s)
     * @return this builder
     * @throws IllegalStateException if already set (or {@link #noDeadline()} was called)
     */
    public Builder deadline(Duration deadline) {
      Require.notYetSet(
          deadlineSet ? (noDeadline ? "none" : String.valueOf(this.deadline)) : null, "deadline");
      this.deadline = deadline;
      this.deadlineSet = true;
      return this;
    }

    /**
     * Removes the deadline: only {@link #maxAttempts(int)} bounds the call.
     *
     * @return this builder
     * @throws IllegalStateException if a deadline was already set
     */
    public Builder noDeadline() {
      Require.notYetSet(
          deadlineSet ? (noDeadline ? "none" : String.valueOf(this.deadline)) : null, "deadline");
      this.deadline = null;
      this.deadlineSet = true;
      this.noDeadline = true;
      return this;
    }

    /**
     * The jitter formula.
     *
     * @param jitter the formula; default {@link Jitter#FULL}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder jitter(Jitter jitter) {
      Require.notYetSet(jitterSet ? this.jitter : null, "jitter");
      this.jitter = jitter;
      this.jitterSet = true;
      return this;
    }

    /**
     * Decides what is retried. Compose with {@link FailureClassifier#orElse(FailureClassifier)};
     * wrap with {@link FailureClassifier#walkingCauses(FailureClassifier)} so wrapped failures are
     * found.
     *
     * @param classifier the classifier; default {@link FailureClassifiers#standard()}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder classifier(FailureClassifier classifier) {
      Require.notYetSet(classifierSet ? String.valueOf(this.classifier) : null, "classifier");
      this.classifier = classifier;
      this.classifierSet = true;
      return this;
    }

    /**
     * The clock used for the deadline.
     *
     * @param timeSource the clock; default {@link TimeSource#system()}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Require.notYetSet(timeSourceSet ? String.valueOf(this.timeSource) : null, "timeSource");
      this.timeSource = timeSource;
      this.timeSourceSet = true;
      return this;
    }

    /**
     * Publishes resilience4j's retry meters ({@code resilience4j.retry.calls}, tag {@code name})
     * and {@code larder.resilience.retry.attempts} (counter, tag {@code policy}) and {@code
     * larder.resilience.retry.decisions} (counter, tags {@code policy}, {@code
     * verdict=retry|not_retryable|exhausted|deadline|budget|rejected}). Needs micrometer-core and
     * resilience4j-micrometer on the class path. Policy names must be unique per registry.
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      Require.notYetSet(this.meterRegistry, "meterRegistry");
      this.meterRegistry = Require.notNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Checks every setting and builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException naming the setting and its value when out of range ({@code
     *     maxAttempts < 1}, a negative interval, {@code maxInterval < initialInterval}, a deadline
     *     {@code <= 0}, an interval that is not whole milliseconds)
     * @throws NullPointerException naming the setting when it was given as null
     */
    public RetryPolicy build() {
      int attempts =
          maxAttempts != null
              ? maxAttempts
              : interactive ? INTERACTIVE_MAX_ATTEMPTS : DEFAULT_MAX_ATTEMPTS;
      Require.positive(attempts, "maxAttempts");
      Duration initial =
          initialIntervalSet
              ? Require.nonNegative(initialInterval, "initialInterval")
              : interactive ? INTERACTIVE_INITIAL_INTERVAL : DEFAULT_INITIAL_INTERVAL;
      Duration max =
          maxIntervalSet
              ? Require.nonNegative(maxInterval, "maxInterval")
              : interactive ? INTERACTIVE_MAX_INTERVAL : DEFAULT_MAX_INTERVAL;
      wholeMillis(initial, "initialInterval");
      wholeMillis(max, "maxInterval");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "maxInterval must be >= initialInterval (" + initial + ") but was " + max);
      }
      Duration dl =
          deadlineSet
              ? (noDeadline ? null : Require.positive(deadline, "deadline"))
              : interactive ? INTERACTIVE_DEADLINE : DEFAULT_DEADLINE;
      Jitter j = jitterSet ? Require.notNull(jitter, "jitter") : DEFAULT_JITTER;
      FailureClassifier c =
          classifierSet ? Require.notNull(classifier, "classifier") : FailureClassifiers.standard();
      TimeSource t =
          timeSourceSet ? Require.notNull(timeSource, "timeSource") : TimeSource.system();
      return new RetryPolicy(name, attempts, initial, max, dl, j, c, t, meterRegistry);
    }

    @SuppressWarnings("JavaDurationGetSecondsGetNano") // the sub-second part is the question
    private static void wholeMillis(Duration d, String field) {
      if (d.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException(field + " must be whole milliseconds but was " + d);
      }
    }
  }
}
