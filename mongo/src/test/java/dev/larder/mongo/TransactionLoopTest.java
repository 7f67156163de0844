package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoCommandException;
import dev.larder.core.FailureClass;
import dev.larder.core.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The retry rules of MongoTransactions, driven by real driver exceptions (as a server would send
 * them) instead of a server: the rules themselves are what is tested here; MongoTransactionsIT runs
 * them against a real replica set.
 */
class TransactionLoopTest {
  /**
   * Half of min(400 ms, 100 ms * 2^(n-1)): a predictable schedule; the real draw is
   * MongoTransactionsTest's.
   */
  private static final IntFunction<Duration> HALF_CEILING =
      n -> Duration.ofMillis(Math.min(400, 100L << Math.min(n - 1, 20)) / 2);

  private final ManualTimeSource time =
      ManualTimeSource.startingAt(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<Duration> slept = new ArrayList<>();

  private TransactionLoop loop(int maxAttempts, Duration deadline) {
    return new TransactionLoop(
        maxAttempts,
        deadline,
        HALF_CEILING,
        time,
        d -> {
          slept.add(d);
          time.advance(d);
        });
  }

  /** Steps that fail as scripted: null = succeed. */
  private static final class Script implements TransactionLoop.Steps<String> {
    final Deque<RuntimeException> bodyFailures = new ArrayDeque<>();
    final Deque<RuntimeException> commitFailures = new ArrayDeque<>();
    final List<String> log = new ArrayList<>();
    boolean active;

    Script body(RuntimeException... failures) {
      bodyFailures.addAll(List.of(failures));
      return this;
    }

    Script commit(RuntimeException... failures) {
      commitFailures.addAll(List.of(failures));
      return this;
    }

    @Override
    public void begin() {
      log.add("begin");
      active = true;
    }

    @Override
    public String body() {
      log.add("body");
      RuntimeException f = bodyFailures.poll();
      if (f != null) {
        throw f;
      }
      return "done";
    }

    @Override
    public void commit() {
      log.add("commit");
      RuntimeException f = commitFailures.poll();
      if (f != null) {
        throw f;
      }
      active = false;
    }

    @Override
    public void abortIfActive() {
      if (active) {
        log.add("abort");
        active = false;
      }
    }
  }

  private static RuntimeException transientError() {
    return MongoFailureClassifierTest.command(
        112, MongoFailureClassifier.TRANSIENT_TRANSACTION_ERROR);
  }

  private static RuntimeException unknownCommit() {
    return MongoFailureClassifierTest.command(
        91, MongoFailureClassifier.UNKNOWN_TRANSACTION_COMMIT_RESULT);
  }

  @Test
  void transientErrorInTheBodyRerunsTheWholeTransaction() {
    Script s = new Script().body(transientError(), transientError());
    assertThat(loop(5, Duration.ofSeconds(10)).run(s)).isEqualTo("done");
    assertThat(s.log)
        .containsExactly(
            "begin", "body", "abort", "begin", "body", "abort", "begin", "body", "commit");
    assertThat(slept).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void unknownCommitResultRetriesOnlyTheCommit() {
    Script s = new Script().commit(unknownCommit(), unknownCommit());
    assertThat(loop(5, Duration.ofSeconds(10)).run(s)).isEqualTo("done");
    assertThat(s.log).containsExactly("begin", "body", "commit", "commit", "commit");
  }

  @Test
  void transientErrorAtCommitRerunsTheWholeTransaction() {
    Script s = new Script().commit(transientError());
    loop(5, Duration.ofSeconds(10)).run(s);
    assertThat(s.log)
        .containsExactly("begin", "body", "commit", "abort", "begin", "body", "commit");
  }

  @Test
  void nonRetryableErrorAbortsAndPropagatesUnchanged() {
    MongoCommandException dup = MongoFailureClassifierTest.command(11000);
    Script s = new Script().body(dup);
    assertThatThrownBy(() -> loop(5, Duration.ofSeconds(10)).run(s)).isSameAs(dup);
    assertThat(s.log).containsExactly("begin", "body", "abort");
    assertThat(slept).isEmpty();
  }

  @Test
  void attemptsAreBounded() {
    Script s =
        new Script().body(transientError(), transientError(), transientError(), transientError());
    assertThatThrownBy(() -> loop(3, Duration.ofSeconds(10)).run(s))
        .isInstanceOfSatisfying(
            TransactionRetriesExhaustedException.class,
            e -> {
              assertThat(e.attempts()).isEqualTo(3);
              assertThat(e.failureClass()).isEqualTo(FailureClass.TRANSIENT);
              assertThat(e)
                  .hasMessage(
                      "transaction was aborted by transient errors after 3 attempts (maxAttempts 3);"
                          + " nothing was committed");
            });
    assertThat(s.log.stream().filter("body"::equals)).hasSize(3);
  }

  @Test
  void commitRetriesCountAgainstTheSameLimitAndReportUnknownOutcome() {
    Script s = new Script().commit(unknownCommit(), unknownCommit(), unknownCommit());
    assertThatThrownBy(() -> loop(3, Duration.ofSeconds(10)).run(s))
        .isInstanceOfSatisfying(
            TransactionRetriesExhaustedException.class,
            e -> {
              assertThat(e.failureClass()).isEqualTo(FailureClass.UNKNOWN);
              assertThat(e.getMessage())
                  .startsWith("transaction commit outcome is unknown after 3 attempts")
                  .endsWith("it may have committed");
            });
    assertThat(s.log).containsExactly("begin", "body", "commit", "commit", "commit");
  }

  @Test
  void noRetryStartsPastTheDeadline() {
    Script s = new Script().body(transientError(), transientError(), transientError());
    // delays 50, 100, 200 ms: the third retry would start at 350 ms, past a 300 ms deadline
    assertThatThrownBy(() -> loop(10, Duration.ofMillis(300)).run(s))
        .isInstanceOfSatisfying(
            TransactionRetriesExhaustedException.class,
            e -> {
              assertThat(e.attempts()).isEqualTo(3);
              assertThat(e).hasMessageContaining("the deadline PT0.3S would pass");
            });
    assertThat(slept).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
  }

  @Test
  void interruptedBackoffStopsAndKeepsTheFlag() {
    TransactionLoop l =
        new TransactionLoop(
            5,
            Duration.ofSeconds(10),
            HALF_CEILING,
            time,
            d -> {
              throw new InterruptedException("stop");
            });
    try {
      assertThatThrownBy(() -> l.run(new Script().body(transientError())))
          .isInstanceOf(TransactionRetriesExhaustedException.class)
          .hasMessageContaining("interrupted while backing off");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
