package dev.larder.mongo;

import com.mongodb.MongoException;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.TimeSource;
import java.time.Duration;
import java.util.function.IntFunction;

/**
 * The retry rules of {@link MongoTransactions}, apart from the driver so they can be exercised with
 * scripted failures: rerun the whole transaction on {@code TransientTransactionError}, retry only
 * the commit on {@code UnknownTransactionCommitResult}, both bounded by attempts and a deadline;
 * anything else propagates unchanged.
 */
final class TransactionLoop {

  /** One transaction's steps. */
  interface Steps<T> {
    void begin();

    T body();

    void commit();

    void abortIfActive();
  }

  /** Waits between attempts. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private final int maxAttempts;
  private final Duration deadline;
  private final IntFunction<Duration> backoff;
  private final TimeSource time;
  private final Sleeper sleeper;

  /**
   * @param backoff the wait before retry {@code n} (1 for the first)
   */
  TransactionLoop(
      int maxAttempts,
      Duration deadline,
      IntFunction<Duration> backoff,
      TimeSource time,
      Sleeper sleeper) {
    this.maxAttempts = maxAttempts;
    this.deadline = deadline;
    this.backoff = backoff;
    this.time = time;
    this.sleeper = sleeper;
  }

  <T> T run(Steps<T> steps) {
    long start = time.nanoTime();
    int tries = 0;
    int retries = 0;
    while (true) {
      tries++;
      steps.begin();
      T result;
      try {
        result = steps.body();
      } catch (RuntimeException e) {
        abortQuietly(steps, e);
        if (!hasLabel(e, MongoFailureClassifier.TRANSIENT_TRANSACTION_ERROR)) {
          throw e;
        }
        waitOrGiveUp(start, tries, ++retries, e, FailureClass.TRANSIENT);
        continue;
      }
      while (true) {
        try {
          steps.commit();
          return result;
        } catch (RuntimeException e) {
          if (hasLabel(e, MongoFailureClassifier.UNKNOWN_TRANSACTION_COMMIT_RESULT)) {
            // The commit may have happened: only the commit is repeated (the server makes a
            // repeated commit of the same transaction idempotent), never the body.
            waitOrGiveUp(start, tries, ++retries, e, FailureClass.UNKNOWN);
            tries++;
            continue;
          }
          if (hasLabel(e, MongoFailureClassifier.TRANSIENT_TRANSACTION_ERROR)) {
            abortQuietly(steps, e);
            waitOrGiveUp(start, tries, ++retries, e, FailureClass.TRANSIENT);
            break;
          }
          throw e;
        }
      }
    }
  }

  /**
   * Sleeps before the next try, or throws when the attempt limit or the deadline would be passed.
   * {@code tries} counts bodies run plus commits retried, the quantity bounded by maxAttempts.
   */
  private void waitOrGiveUp(
      long start, int tries, int retries, RuntimeException last, FailureClass kind) {
    if (tries >= maxAttempts) {
      throw exhausted(
          "after " + tries + " attempts (maxAttempts " + maxAttempts + ")", last, tries, kind);
    }
    Duration delay = backoff.apply(retries);
    Duration elapsed = Duration.ofNanos(time.nanoTime() - start);
    if (elapsed.plus(delay).compareTo(deadline) >= 0) {
      throw exhausted(
          "after " + tries + " attempts: the deadline " + deadline + " would pass",
          last,
          tries,
          kind);
    }
    try {
      sleeper.sleep(delay);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      TransactionRetriesExhaustedException ex =
          exhausted(
              "after " + tries + " attempts: interrupted while backing off", last, tries, kind);
      ex.addSuppressed(ie);
      throw ex;
    }
  }

  private static TransactionRetriesExhaustedException exhausted(
      String when, RuntimeException last, int tries, FailureClass kind) {
    String what =
        kind == FailureClass.UNKNOWN
            ? "transaction commit outcome is unknown " + when + "; it may have committed"
            : "transaction was aborted by transient errors " + when + "; nothing was committed";
    return new TransactionRetriesExhaustedException(what, last, tries, kind);
  }

  private static <T> void abortQuietly(Steps<T> steps, RuntimeException cause) {
    try {
      steps.abortIfActive();
    } catch (RuntimeException abortFailure) {
      // The transaction is abandoned either way (the server aborts it on timeout); keep the
      // failure that matters and record this one with it.
      cause.addSuppressed(abortFailure);
    }
  }

  static boolean hasLabel(Throwable failure, String label) {
    for (Throwable t : FailureClassifier.causalChain(failure)) {
      if (t instanceof MongoException m && m.hasErrorLabel(label)) {
        return true;
      }
    }
    return false;
  }
}
