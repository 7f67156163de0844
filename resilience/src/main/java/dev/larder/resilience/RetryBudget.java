package dev.larder.resilience;

import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.resilience.internal.MicrometerSupport;
import dev.larder.resilience.internal.TokenWindow;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A retry budget: a token bucket shared by a group of calls (everything that talks to one database,
 * say) that keeps retries to a fraction of calls, so an outage does not turn into a retry storm.
 *
 * <p>Every call deposits {@link Builder#retryRatio(double) retryRatio} tokens; every retry takes
 * one token; a fixed reserve of {@code minRetriesPerSecond * window} tokens lets a trickle of
 * retries through when traffic is low. Deposits and withdrawals expire after {@link
 * Builder#window(Duration) window}, so the guarantee is: <b>in any window, retries &le;
 * minRetriesPerSecond &times; window + retryRatio &times; calls started in that window</b> (to
 * within one tenth of the window, the step in which it slides). When the budget is empty a
 * retryable failure is not retried: it surfaces at once and is counted ({@link #exhaustedCount()},
 * meter {@code larder.resilience.budget.retries} with {@code result=exhausted}). This is the retry
 * budget of Finagle and of gRPC's retry throttling, long requested of resilience4j (its issue
 * #172).
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.builder("orders-db").retryRatio(0.1).minRetriesPerSecond(10).build();
 * Resilience db = Resilience.of(breaker, RetryPolicy.builder("orders-db").build(), budget);
 * }</pre>
 *
 * <p>Thread-safe; share one instance between all calls to the same dependency.
 */
public final class RetryBudget {
  /** Default {@link Builder#retryRatio(double)}: retries may add 10 % to the load. */
  public static final double DEFAULT_RETRY_RATIO = 0.1;

  /** Default {@link Builder#minRetriesPerSecond(int)}. */
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  /** Default {@link Builder#window(Duration)}. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

  private static final long MILLI = 1000;

  private final String name;
  private final double retryRatio;
  private final int minRetriesPerSecond;
  private final Duration window;
  private final TokenWindow tokens;
  private final long depositPerCall;
  private final LongAdder calls = new LongAdder();
  private final LongAdder granted = new LongAdder();
  private final LongAdder exhausted = new LongAdder();
  private final MicrometerSupport.@Nullable BudgetMeters meters;

  private RetryBudget(
      Builder b, double retryRatio, int minRetriesPerSecond, Duration window, TimeSource time) {
    this.name = b.name;
    this.retryRatio = retryRatio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.window = window;
    // minRetriesPerSecond tokens per second of window, in milli-tokens.
    long reserve = Math.multiplyExact((long) minRetriesPerSecond, window.toMillis());
    this.tokens = new TokenWindow(time, window.toNanos(), reserve);
    this.depositPerCall = Math.round(retryRatio * MILLI);
    this.meters =
        b.meterRegistry == null
            ? null
            : MicrometerSupport.budgetMeters(
                b.meterRegistry, name, this, RetryBudget::balance, RetryBudget::callCount);
  }

  /**
   * Starts a builder with the defaults: ratio {@value #DEFAULT_RETRY_RATIO}, {@value
   * #DEFAULT_MIN_RETRIES_PER_SECOND} retries per second, a 10 s window.
   *
   * @param name names the budget in meters and messages
   * @return a new builder
   * @throws NullPointerException if {@code name} is null
   */
  public static Builder builder(String name) {
    return new Builder(Require.notNull(name, "name"));
  }

  /**
   * Records that a call starts (not a retry): deposits {@code retryRatio} tokens. {@link
   * RetryPolicy} and {@link Resilience} call this for you; call it yourself only when you use the
   * budget around your own retry loop.
   */
  public void recordCall() {
    calls.increment();
    if (depositPerCall > 0) {
      tokens.deposit(depositPerCall);
    }
  }

  /**
   * Asks for one retry. {@link RetryPolicy} and {@link Resilience} call this for you, only when a
   * retry would otherwise happen.
   *
   * @return {@code true} if a token was taken and the retry may go ahead; {@code false} if the
   *     budget is empty (counted as exhausted)
   */
  public boolean tryAcquireRetry() {
    if (tokens.tryWithdraw(MILLI)) {
      granted.increment();
      if (meters != null) {
        meters.granted();
      }
      return true;
    }
    exhausted.increment();
    if (meters != null) {
      meters.exhausted();
    }
    return false;
  }

  /** {@return the name} */
  public String name() {
    return name;
  }

  /** {@return the tokens available now (fractional)} */
  public double balance() {
    return tokens.balance() / (double) MILLI;
  }

  /** {@return calls recorded since creation} */
  public long callCount() {
    return calls.sum();
  }

  /** {@return retries granted since creation} */
  public long grantedCount() {
    return granted.sum();
  }

  /** {@return retries refused because the budget was empty, since creation} */
  public long exhaustedCount() {
    return exhausted.sum();
  }

  /** {@return the configured ratio} */
  public double retryRatio() {
    return retryRatio;
  }

  /** {@return the configured floor} */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /** {@return the configured window} */
  public Duration window() {
    return window;
  }

  @Override
  public String toString() {
    return "RetryBudget["
        + name
        + ", ratio="
        + retryRatio
        + ", minRetriesPerSecond="
        + minRetriesPerSecond
        + ", window="
        + window
        + ", balance="
        + balance()
        + "]";
  }

  /**
   * Builds a {@link RetryBudget}. Each setting may be given once; values are checked in {@link
   * #build()}.
   */
  public static final class Builder {
    private final String name;
    private @Nullable Double retryRatio;
    private @Nullable Integer minRetriesPerSecond;
    private @Nullable Duration window;
    private boolean windowSet;
    private @Nullable TimeSource timeSource;
    private boolean timeSourceSet;
    private @Nullable Object meterRegistry;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The fraction of calls that may be retried, on top of the floor.
     *
     * @param ratio in {@code [0, 1]}; default {@value RetryBudget#DEFAULT_RETRY_RATIO}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder retryRatio(double ratio) {
      Require.notYetSet(retryRatio, "retryRatio");
      this.retryRatio = ratio;
      return this;
    }

    /**
     * The floor: retries allowed per second however few calls there are (kept as a reserve of
     * {@code minRetriesPerSecond * window} tokens).
     *
     * @param perSecond {@code >= 0}; default {@value RetryBudget#DEFAULT_MIN_RETRIES_PER_SECOND}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder minRetriesPerSecond(int perSecond) {
      Require.notYetSet(minRetriesPerSecond, "minRetriesPerSecond");
      this.minRetriesPerSecond = perSecond;
      return this;
    }

    /**
     * How long a deposit or a withdrawal counts.
     *
     * @param window {@code > 0}; default 10 s
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder window(Duration window) {
      Require.notYetSet(this.window, "window");
      this.window = window;
      this.windowSet = true;
      return this;
    }

    /**
     * The clock; tests pass a {@link dev.larder.core.ManualTimeSource}.
     *
     * @param timeSource the clock; default {@link TimeSource#system()}
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Require.notYetSet(this.timeSource, "timeSource");
      this.timeSource = timeSource;
      this.timeSourceSet = true;
      return this;
    }

    /**
     * Publishes {@code larder.resilience.budget.retries} (counter, tags {@code budget}, {@code
     * result=granted|exhausted}), {@code larder.resilience.budget.calls} (counter) and {@code
     * larder.resilience.budget.balance} (gauge, tokens). Needs micrometer-core on the class path.
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
     * Checks the settings and builds the budget.
     *
     * @return the budget
     * @throws IllegalArgumentException naming the setting and its value if one is out of range
     * @throws NullPointerException if a setting was given as null
     */
    public RetryBudget build() {
      double ratio = retryRatio == null ? DEFAULT_RETRY_RATIO : retryRatio;
      Require.inRange(ratio, 0.0, 1.0, "retryRatio");
      int floor =
          minRetriesPerSecond == null ? DEFAULT_MIN_RETRIES_PER_SECOND : minRetriesPerSecond;
      Require.nonNegative(floor, "minRetriesPerSecond");
      Duration w = windowSet ? Require.positive(window, "window") : DEFAULT_WINDOW;
      if (w.toNanos() < TokenWindow.SLICES) {
        throw new IllegalArgumentException("window must be >= 10ns but was " + w);
      }
      TimeSource time =
          timeSourceSet ? Require.notNull(timeSource, "timeSource") : TimeSource.system();
      return new RetryBudget(this, ratio, floor, w, time);
    }
  }
}
