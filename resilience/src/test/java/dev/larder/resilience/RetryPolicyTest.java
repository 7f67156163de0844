package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.ManualTimeSource;
import io.github.resilience4j.retry.event.RetryEvent;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final FailureClassifier CLASSIFIER =
      f ->
          f instanceof IOException || f.getCause() instanceof IOException
              ? FailureClass.TRANSIENT
              : f instanceof IllegalStateException ? FailureClass.PERMANENT : FailureClass.UNKNOWN;

  private static RetryPolicy.Builder fast(String name) {
    return RetryPolicy.builder(name)
        .initialInterval(Duration.ofMillis(1))
        .maxInterval(Duration.ofMillis(2))
        .classifier(CLASSIFIER);
  }

  @Test
  void transientFailuresAreRetriedUntilSuccess() {
    RetryPolicy p = fast("t").maxAttempts(5).build();
    AtomicInteger attempts = new AtomicInteger();
    String result =
        p.call(
            false,
            () -> {
              if (attempts.incrementAndGet() < 3) {
                throw new java.io.UncheckedIOException(new IOException("blip"));
              }
              return "ok";
            });
    assertThat(result).isEqualTo("ok");
    assertThat(attempts).hasValue(3);
    assertThat(p.retry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt()).isEqualTo(1);
  }

  @Test
  void permanentFailuresAreNotRetried() {
    RetryPolicy p = fast("p").build();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                p.call(
                    true,
                    () -> {
                      attempts.incrementAndGet();
                      throw new IllegalStateException("constraint");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("constraint");
    assertThat(attempts).hasValue(1);
    assertThat(p.retry().getMetrics().getNumberOfFailedCallsWithoutRetryAttempt()).isEqualTo(1);
  }

  @Test
  void unknownFailuresAreRetriedOnlyForIdempotentWork() {
    RetryPolicy p = fast("u").build();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                p.call(
                    false,
                    () -> {
                      attempts.incrementAndGet();
                      throw new RuntimeException("lost during commit");
                    }))
        .hasMessage("lost during commit");
    assertThat(attempts).hasValue(1);

    attempts.set(0);
    assertThatThrownBy(
            () ->
                p.call(
                    true,
                    () -> {
                      attempts.incrementAndGet();
                      throw new RuntimeException("lost during read");
                    }))
        .hasMessage("lost during read");
    assertThat(attempts).hasValue(3);
  }

  @Test
  void checkedFailuresKeepTheirTypeAndTheLastOneSurfaces() {
    RetryPolicy p =
        RetryPolicy.builder("c")
            .initialInterval(Duration.ofMillis(1))
            .maxInterval(Duration.ofMillis(1))
            .classifier(f -> FailureClass.TRANSIENT)
            .build();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                p.callChecked(
                    false,
                    () -> {
                      throw new SQLException("attempt " + attempts.incrementAndGet(), "40001");
                    }))
        .isInstanceOf(SQLException.class)
        .hasMessage("attempt 3");
  }

  @Test
  void resilience4jSeesEveryRetryAndTheFinalError() {
    RetryPolicy p = fast("events").maxAttempts(4).build();
    List<RetryEvent> events = new CopyOnWriteArrayList<>();
    p.retry().getEventPublisher().onEvent(events::add);
    assertThatThrownBy(
            () ->
                p.call(
                    false,
                    () -> {
                      throw new java.io.UncheckedIOException(new IOException("down"));
                    }))
        .isInstanceOf(java.io.UncheckedIOException.class);
    assertThat(events)
        .extracting(e -> e.getEventType().name())
        .containsExactly("RETRY", "RETRY", "RETRY", "ERROR");
    assertThat(events.get(0).getNumberOfRetryAttempts()).isEqualTo(1);
    assertThat(p.retry().getMetrics().getNumberOfFailedCallsWithRetryAttempt()).isEqualTo(1);
  }

  @Test
  void aRetryThatCouldNotStartBeforeTheDeadlineIsNotWaitedFor() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2026-01-01T00:00:00Z"));
    RetryPolicy p =
        RetryPolicy.builder("deadline")
            .maxAttempts(10)
            .initialInterval(Duration.ofMillis(1))
            .maxInterval(Duration.ofMillis(1))
            .deadline(Duration.ofSeconds(5))
            .timeSource(time)
            .classifier(CLASSIFIER)
            .jitter(Jitter.DECORRELATED)
            .build();
    List<RetryEvent> events = new CopyOnWriteArrayList<>();
    p.retry().getEventPublisher().onEvent(events::add);
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                p.call(
                    false,
                    () -> {
                      attempts.incrementAndGet();
                      time.advance(Duration.ofSeconds(2)); // each attempt "takes" 2 s
                      throw new java.io.UncheckedIOException(new IOException("slow and failing"));
                    }))
        .isInstanceOf(java.io.UncheckedIOException.class);
    // Attempts start at 0 s, 2 s and 4 s (+ 1 ms waits); the fourth would start after 6 s > 5 s.
    assertThat(attempts).hasValue(3);
    assertThat(events)
        .extracting(e -> e.getEventType().name())
        .containsExactly("RETRY", "RETRY", "ERROR");
  }

  @Test
  void interactivePresetIsShorterThanTheSeedDefaults() {
    RetryPolicy seed = RetryPolicy.ofDefaults("seed");
    assertThat(seed.maxAttempts()).isEqualTo(3);
    assertThat(seed.initialInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(seed.maxInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(seed.deadline()).contains(Duration.ofSeconds(30));
    assertThat(seed.jitter()).isEqualTo(Jitter.FULL);
    assertThat(seed.classifier()).isSameAs(FailureClassifiers.standard());

    RetryPolicy interactive = RetryPolicy.interactiveBuilder("ui").build();
    assertThat(interactive.initialInterval()).isLessThan(seed.initialInterval());
    assertThat(interactive.maxInterval()).isLessThan(seed.maxInterval());
    assertThat(interactive.deadline().orElseThrow()).isLessThan(seed.deadline().orElseThrow());

    RetryPolicy tuned = RetryPolicy.interactiveBuilder("ui2").maxAttempts(2).noDeadline().build();
    assertThat(tuned.maxAttempts()).isEqualTo(2);
    assertThat(tuned.deadline()).isEmpty();
    assertThat(tuned.initialInterval()).isEqualTo(RetryPolicy.INTERACTIVE_INITIAL_INTERVAL);
  }

  @Test
  void invalidSettingsFailInBuildNamingFieldAndValue() {
    assertThatThrownBy(() -> RetryPolicy.builder("x").maxAttempts(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts must be > 0 but was -1");
    assertThatThrownBy(() -> RetryPolicy.builder("x").maxAttempts(0).build())
        .hasMessage("maxAttempts must be > 0 but was 0");
    assertThatThrownBy(
            () ->
                RetryPolicy.builder("x")
                    .initialInterval(Duration.ofSeconds(5))
                    .maxInterval(Duration.ofSeconds(2))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxInterval must be >= initialInterval (PT5S) but was PT2S");
    assertThatThrownBy(
            () -> RetryPolicy.builder("x").initialInterval(Duration.ofMillis(-1)).build())
        .hasMessage("initialInterval must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> RetryPolicy.builder("x").deadline(Duration.ZERO).build())
        .hasMessage("deadline must be > 0 but was PT0S");
    assertThatThrownBy(
            () -> RetryPolicy.builder("x").initialInterval(Duration.ofNanos(1_500_000)).build())
        .hasMessage("initialInterval must be whole milliseconds but was PT0.0015S");
    assertThatThrownBy(() -> RetryPolicy.builder("x").classifier(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("classifier must not be null");
    assertThatThrownBy(() -> RetryPolicy.builder("x").jitter(null).build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("jitter must not be null");
    assertThatThrownBy(() -> RetryPolicy.builder("x").maxAttempts(3).maxAttempts(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxAttempts was already set to 3");
    assertThatThrownBy(() -> RetryPolicy.builder("x").deadline(Duration.ofSeconds(1)).noDeadline())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("deadline was already set to PT1S");
  }

  @Test
  void decoratorsRunTheWorkUnderThePolicyAtEveryGet() {
    RetryPolicy p = fast("d").build();
    AtomicInteger attempts = new AtomicInteger();
    java.util.function.Supplier<Integer> flaky =
        () -> {
          if (attempts.incrementAndGet() % 2 == 1) {
            throw new java.io.UncheckedIOException(new IOException("odd"));
          }
          return attempts.get();
        };
    java.util.function.Supplier<Integer> decorated = p.decorateSupplier(false, flaky);
    assertThat(decorated.get()).isEqualTo(2);
    assertThat(decorated.get()).isEqualTo(4);
    ThrowingSupplier<Integer, SQLException> checked =
        () -> {
          if (attempts.incrementAndGet() % 2 == 1) {
            throw new SQLException("odd", "40P01");
          }
          return attempts.get();
        };
    RetryPolicy sql =
        RetryPolicy.builder("sql")
            .initialInterval(Duration.ofMillis(1))
            .maxInterval(Duration.ofMillis(1))
            .build();
    try {
      ThrowingSupplier<Integer, SQLException> guarded = sql.decorateChecked(false, checked);
      assertThat(guarded.get()).isEqualTo(6);
      assertThat(guarded.get()).isEqualTo(8);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theExposedRetryUsedOnItsOwnStillClassifiesAndBacksOff() {
    RetryPolicy p = fast("raw").build();
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                p.retry()
                    .executeSupplier(
                        () -> {
                          attempts.incrementAndGet();
                          throw new IllegalStateException("permanent");
                        }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(attempts).hasValue(1);
    attempts.set(0);
    assertThatThrownBy(
            () ->
                p.retry()
                    .executeSupplier(
                        () -> {
                          attempts.incrementAndGet();
                          throw new java.io.UncheckedIOException(new IOException("transient"));
                        }))
        .isInstanceOf(java.io.UncheckedIOException.class);
    assertThat(attempts).hasValue(3);
  }
}
