package dev.larder.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.ReadConcern;
import com.mongodb.ReadPreference;
import com.mongodb.TransactionOptions;
import com.mongodb.WriteConcern;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.resilience.Jitter;
import dev.larder.resilience.RetryPolicy;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import java.time.Duration;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Runs multi-document transactions with bounded retries, following the driver specification's rules
 * but with limits and backoff the caller chooses:
 *
 * <ul>
 *   <li>an error labelled {@code TransientTransactionError} (a write conflict, a primary stepping
 *       down) aborts the attempt and runs the whole body again;
 *   <li>a commit failing with {@code UnknownTransactionCommitResult} retries the commit only (the
 *       server recognises a repeated commit of the same transaction), never the body;
 *   <li>anything else is thrown unchanged after aborting;
 *   <li>at most {@code maxAttempts} tries (bodies run plus commits retried) and never past the
 *       deadline, with exponential backoff and full jitter between tries; then {@link
 *       TransactionRetriesExhaustedException}.
 * </ul>
 *
 * <pre>{@code
 * MongoTransactions tx = MongoTransactions.builder(client).maxAttempts(5).deadline(Duration.ofSeconds(10)).build();
 * tx.inTransaction(session -> {
 *   accounts.updateOne(session, eq("_id", from), inc("balance", -amount));
 *   accounts.updateOne(session, eq("_id", to), inc("balance", amount));
 *   return null;
 * });
 * }</pre>
 *
 * <p>Transactions need a replica set or a sharded cluster; elsewhere {@link #inTransaction} throws
 * {@link SessionsUnsupportedException}. Thread-safe.
 */
public final class MongoTransactions {

  /** Default limit on tries. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  /** Default deadline for all tries together. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /** Default first backoff ceiling. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(20);

  /** Default largest backoff ceiling. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(1);

  private final MongoClient client;
  private final TransactionOptions options;
  private final TransactionLoop loop;

  private MongoTransactions(Builder b) {
    this.client = b.client;
    this.options = b.options != null ? b.options : Builder.DEFAULT_OPTIONS;
    this.loop =
        new TransactionLoop(
            b.maxAttempts != null ? b.maxAttempts : DEFAULT_MAX_ATTEMPTS,
            b.deadline != null ? b.deadline : DEFAULT_DEADLINE,
            waits(Require.notNull(b.pacing, "pacing")),
            b.timeSource != null ? b.timeSource : TimeSource.system(),
            d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000));
  }

  /**
   * The waits between tries, drawn as larder-resilience's {@link RetryPolicy} draws them (cap
   * first, then the jitter), from the policy's resilience4j interval function.
   */
  static IntFunction<Duration> waits(RetryPolicy pacing) {
    IntervalBiFunction<Object> intervals = pacing.retry().getRetryConfig().getIntervalBiFunction();
    return retry -> Duration.ofMillis(Math.max(0L, intervals.apply(retry, Either.left(PACING))));
  }

  /**
   * The interval function only reads the attempt number; the outcome it is handed is a placeholder.
   */
  @SuppressWarnings("StaticAssignmentOfThrowable") // never thrown: a placeholder argument
  private static final Throwable PACING = new IllegalStateException("pacing only");

  /**
   * Starts a builder.
   *
   * @param client the caller's client
   * @return a new builder
   */
  public static Builder builder(MongoClient client) {
    return new Builder(Require.notNull(client, "client"));
  }

  /**
   * Runs the body in a transaction, retrying as described above.
   *
   * @param work the body; it may run more than once
   * @param <T> the result type
   * @return what the body returned in the attempt that committed
   * @throws SessionsUnsupportedException if the deployment refuses sessions
   * @throws TransactionRetriesExhaustedException if retryable failures outlasted the limits
   * @throws RuntimeException any other failure of the body or the commit, unchanged
   */
  public <T extends @Nullable Object> T inTransaction(TransactionWork<T> work) {
    Require.notNull(work, "work");
    try (ClientSession session =
        Sessions.start(
            client,
            ClientSessionOptions.builder().causallyConsistent(true).build(),
            "transactions")) {
      return loop.run(
          new TransactionLoop.Steps<T>() {
            @Override
            public void begin() {
              session.startTransaction(options);
            }

            @Override
            public T body() {
              return work.run(session);
            }

            @Override
            public void commit() {
              session.commitTransaction();
            }

            @Override
            public void abortIfActive() {
              if (session.hasActiveTransaction()) {
                session.abortTransaction();
              }
            }
          });
    }
  }

  /**
   * Builds {@link MongoTransactions}. Each setting may be given once: a repeated setting fails with
   * {@link IllegalStateException} naming the value set earlier; a bad value fails at once with
   * {@link IllegalArgumentException} naming the setting and the value.
   *
   * <p>Not thread-safe; the runner it builds is.
   */
  public static final class Builder {
    private static final TransactionOptions DEFAULT_OPTIONS =
        TransactionOptions.builder()
            .readConcern(ReadConcern.SNAPSHOT)
            .writeConcern(WriteConcern.MAJORITY)
            .readPreference(ReadPreference.primary())
            .build();

    private final MongoClient client;
    private @Nullable Integer maxAttempts;
    private @Nullable Duration deadline;
    private @Nullable Duration initialBackoff;
    private @Nullable Duration maxBackoff;
    private @Nullable Jitter jitter;
    private @Nullable RetryPolicy pacing;
    private @Nullable TimeSource timeSource;
    private @Nullable TransactionOptions options;

    private Builder(MongoClient client) {
      this.client = client;
    }

    /**
     * The most tries: bodies run plus commits retried (default {@value #DEFAULT_MAX_ATTEMPTS}).
     *
     * @param attempts {@code > 0}; 1 means no retry
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxAttempts(int attempts) {
      Require.notYetSet(maxAttempts, "maxAttempts");
      this.maxAttempts = Require.positive(attempts, "maxAttempts");
      return this;
    }

    /**
     * No retry starts once it would begin after this much time since the first attempt (default 30
     * s).
     *
     * @param deadline {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder deadline(Duration deadline) {
      Require.notYetSet(this.deadline, "deadline");
      this.deadline = Require.positive(deadline, "deadline");
      return this;
    }

    /**
     * Backoff ceilings: the first retry waits up to {@code initial}, each later one up to twice the
     * previous ceiling, never more than {@code max}; the wait is uniform below the ceiling.
     *
     * @param initial {@code > 0}, whole milliseconds (default 20 ms)
     * @param max {@code >= initial}, whole milliseconds (default 1 s)
     * @return this builder
     * @throws IllegalArgumentException if not positive, not whole milliseconds or {@code max <
     *     initial}
     * @throws IllegalStateException if already set
     */
    public Builder backoff(Duration initial, Duration max) {
      Require.notYetSet(
          initialBackoff == null ? null : "initial " + initialBackoff + ", max " + maxBackoff,
          "backoff");
      wholeMillis(Require.positive(initial, "initialBackoff"), "initialBackoff");
      wholeMillis(Require.positive(max, "maxBackoff"), "maxBackoff");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff must be >= initialBackoff (" + initial + ") but was " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * How waits are spread below their ceiling (default {@link Jitter#FULL}); the formulas are
     * larder-resilience's, which apply the cap before the random draw.
     *
     * @param jitter the jitter
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder jitter(Jitter jitter) {
      Require.notYetSet(this.jitter, "jitter");
      this.jitter = Require.notNull(jitter, "jitter");
      return this;
    }

    @SuppressWarnings("JavaDurationGetSecondsGetNano") // the sub-second part is the question
    private static void wholeMillis(Duration d, String field) {
      if (d.getNano() % 1_000_000 != 0) {
        throw new IllegalArgumentException(field + " must be whole milliseconds but was " + d);
      }
    }

    /**
     * Options for each transaction (default: snapshot read concern, majority write concern, primary
     * reads).
     *
     * @param options the driver's transaction options
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder transactionOptions(TransactionOptions options) {
      Require.notYetSet(this.options, "transactionOptions");
      this.options = Require.notNull(options, "transactionOptions");
      return this;
    }

    /**
     * The clock for the deadline (default the system's).
     *
     * @param timeSource the time source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Require.notYetSet(this.timeSource, "timeSource");
      this.timeSource = Require.notNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Builds the runner.
     *
     * @return the runner
     */
    public MongoTransactions build() {
      // Only the pacing is borrowed: the attempt limit and deadline are this class's own, because a
      // retried commit is not a retried body.
      this.pacing =
          RetryPolicy.builder("mongo-transactions")
              .initialInterval(initialBackoff != null ? initialBackoff : DEFAULT_INITIAL_BACKOFF)
              .maxInterval(maxBackoff != null ? maxBackoff : DEFAULT_MAX_BACKOFF)
              .jitter(jitter != null ? jitter : Jitter.FULL)
              .maxAttempts(Integer.MAX_VALUE)
              .noDeadline()
              .build();
      return new MongoTransactions(this);
    }
  }
}
