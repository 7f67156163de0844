package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.TransactionOptions;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.larder.core.TimeSource;
import dev.larder.resilience.Jitter;
import dev.larder.resilience.RetryPolicy;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.time.Duration;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The waits between transaction tries come from larder-resilience's backoff (cap before jitter).
 */
class MongoTransactionsTest {

  /** A jitter, a base in [1, 5000] ms, a cap up to 60 s above it, a retry number in [1, 80]. */
  record Case(Jitter jitter, long baseMs, long extraMs, int retry) {
    static Case draw(Random r) {
      return new Case(
          Gen.oneOf(r, Jitter.values()),
          Gen.longBetween(r, 1, 5_000),
          Gen.longBetween(r, 0, 60_000),
          Gen.intBetween(r, 1, 80));
    }
  }

  @Test
  void waitsStayWithinTheJittersBoundsBelowTheCap() {
    Property.forAll(
        "transaction waits stay within the jitter's bounds below the cap",
        600,
        Case::draw,
        c -> {
          long baseMs = c.baseMs();
          int retry = c.retry();
          long capMs = baseMs + c.extraMs();
          Duration wait = waits(baseMs, capMs, c.jitter()).apply(retry);
          if (c.jitter() == Jitter.FULL) {
            long ceiling = retry > 40 ? capMs : Math.min(capMs, baseMs << (retry - 1));
            assertThat(wait).isBetween(Duration.ZERO, Duration.ofMillis(ceiling));
          } else {
            assertThat(wait).isBetween(Duration.ofMillis(baseMs), Duration.ofMillis(capMs));
          }
        });
  }

  private static IntFunction<Duration> waits(long baseMs, long capMs, Jitter jitter) {
    return MongoTransactions.waits(
        RetryPolicy.builder("t")
            .initialInterval(Duration.ofMillis(baseMs))
            .maxInterval(Duration.ofMillis(capMs))
            .jitter(jitter)
            .noDeadline()
            .build());
  }

  @Test
  void badBackoffSettingsAreRefusedNamingTheFieldAndValue() {
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      MongoTransactions.Builder b = MongoTransactions.builder(client);
      assertThatThrownBy(() -> b.backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
          .hasMessage("initialBackoff must be > 0 but was PT-0.001S");
      assertThatThrownBy(() -> b.backoff(Duration.ofMillis(200), Duration.ofMillis(100)))
          .hasMessage("maxBackoff must be >= initialBackoff (PT0.2S) but was PT0.1S");
      assertThatThrownBy(() -> b.backoff(Duration.ofNanos(1_500_000), Duration.ofSeconds(1)))
          .hasMessage("initialBackoff must be whole milliseconds but was PT0.0015S");
      assertThatThrownBy(() -> b.maxAttempts(0)).hasMessage("maxAttempts must be > 0 but was 0");
      assertThatThrownBy(() -> b.deadline(Duration.ZERO))
          .hasMessage("deadline must be > 0 but was PT0S");
    }
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingTheValueSetFirst() {
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      TimeSource clock = TimeSource.system();
      TransactionOptions options =
          TransactionOptions.builder().writeConcern(WriteConcern.MAJORITY).build();
      MongoTransactions.Builder b =
          MongoTransactions.builder(client)
              .maxAttempts(3)
              .deadline(Duration.ofSeconds(10))
              .backoff(Duration.ofMillis(10), Duration.ofMillis(500))
              .jitter(Jitter.DECORRELATED)
              .transactionOptions(options)
              .timeSource(clock);

      assertThatThrownBy(() -> b.maxAttempts(5))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("maxAttempts was already set to 3");
      assertThatThrownBy(() -> b.deadline(Duration.ofSeconds(30)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("deadline was already set to PT10S");
      assertThatThrownBy(() -> b.backoff(Duration.ofMillis(20), Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("backoff was already set to initial PT0.01S, max PT0.5S");
      assertThatThrownBy(() -> b.jitter(Jitter.FULL))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("jitter was already set to DECORRELATED");
      assertThatThrownBy(() -> b.transactionOptions(TransactionOptions.builder().build()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("transactionOptions was already set to " + options);
      assertThatThrownBy(() -> b.timeSource(TimeSource.system()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("timeSource was already set to " + clock);
      assertThat(b.build()).isNotNull();
    }
  }

  @Test
  void aRefusedBackoffLeavesTheSettingUnset() {
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      MongoTransactions.Builder b = MongoTransactions.builder(client);
      assertThatThrownBy(() -> b.backoff(Duration.ofMillis(200), Duration.ofMillis(100)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.jitter(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("jitter must not be null");
      assertThat(b.backoff(Duration.ofMillis(100), Duration.ofMillis(200)).build()).isNotNull();
    }
  }
}
