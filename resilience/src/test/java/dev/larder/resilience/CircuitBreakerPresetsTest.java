package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The database preset on a test clock: how many calls, and how much time, it takes to open at low
 * and high traffic, what does not open it, and how soon it lets a probe through again. The same
 * rates run against a stopped PostgreSQL in {@code BreakerTrafficIT}.
 */
class CircuitBreakerPresetsTest {
  /** What PgJDBC raises when the server is stopped: transient, recorded by the preset. */
  private static final SQLException REFUSED =
      new SQLException("Connection to 127.0.0.1:5432 refused", "08001");

  /** A unique violation: proves the database is up, counts as a success. */
  private static final SQLException DUPLICATE = new SQLException("duplicate key", "23505");

  private final TestClock clock = new TestClock();

  private CircuitBreaker database() {
    return CircuitBreakerPresets.create(
        "db-test",
        CircuitBreakerPresets.databaseConfig(FailureClassifiers.standard())
            .clock(clock)
            .currentTimestampFunction(c -> c.millis(), TimeUnit.MILLISECONDS)
            .build());
  }

  /** One call that ends now, took {@code ms} and failed; false if the breaker refused it. */
  private static boolean fail(CircuitBreaker cb, long ms, Throwable failure) {
    if (!cb.tryAcquirePermission()) {
      return false;
    }
    cb.onError(ms, TimeUnit.MILLISECONDS, failure);
    return true;
  }

  private static boolean succeed(CircuitBreaker cb, long ms) {
    if (!cb.tryAcquirePermission()) {
      return false;
    }
    cb.onSuccess(ms, TimeUnit.MILLISECONDS);
    return true;
  }

  /**
   * Calls every {@code intervalMs}, all failing, until it opens; returns the failing calls made.
   */
  private int callsToOpen(CircuitBreaker cb, long intervalMs, int max) {
    for (int i = 1; i <= max; i++) {
      clock.advance(intervalMs);
      assertThat(fail(cb, 5, REFUSED)).as("call %d permitted", i).isTrue();
      if (cb.getState() == State.OPEN) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void atHalfARequestPerSecondTheDatabasePresetOpensOnTheFifthConsecutiveFailure() {
    // The service: one request every 2 s during an outage. Before: 22 failures over 44 s
    // and still closed (20 calls needed in a 10 s window, which never holds more than 5).
    CircuitBreaker cb = database();
    assertThat(callsToOpen(cb, 2_000, 22)).isEqualTo(5);
  }

  @Test
  void atFiveRequestsPerSecondItOpensOnceTheRunOfFailuresLastsOneSecond() {
    CircuitBreaker cb = database();
    // failures at 0.2, 0.4 ... s: the sixth is 1 s after the first
    assertThat(callsToOpen(cb, 200, 40)).isEqualTo(6);
  }

  @Test
  void atFiveHundredRequestsPerSecondAnOutageOpensItWithinOneSecond() {
    CircuitBreaker cb = database();
    for (int i = 0; i < 2_500; i++) { // 5 s of healthy traffic fills the window with successes
      clock.advance(2);
      succeed(cb, 1);
    }
    int calls = callsToOpen(cb, 2, 5_000);
    // Before: the failure rate over the 10 s window reached 50 % only after ~5 s (2,500 calls).
    assertThat(calls).isBetween(2, 501);
  }

  @Test
  void atFiveHundredRequestsPerSecondIsolatedFailuresAndShortBurstsDoNotOpenIt() {
    CircuitBreaker cb = database();
    List<State> seen = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) { // 20 s at 500/s
      clock.advance(2);
      // 1 call in 20 fails (5 %), and at 10 s a burst of 150 failures in a row (300 ms)
      boolean failing = i % 20 == 7 || (i >= 5_000 && i < 5_150);
      assertThat(failing ? fail(cb, 3, REFUSED) : succeed(cb, 1))
          .as("call %d permitted", i)
          .isTrue();
      if (cb.getState() != State.CLOSED) {
        seen.add(cb.getState());
      }
    }
    assertThat(seen).isEmpty();
    assertThat(cb.getMetrics().getNumberOfFailedCalls()).isPositive();
  }

  @Test
  void slowCallsInARowOpenItAtLowTrafficAndAFastCallEndsTheRun() {
    CircuitBreaker cb = database();
    for (int i = 0; i < 4; i++) { // four calls of 2.5 s (slow threshold 2 s) every 4 s
      clock.advance(4_000);
      succeed(cb, 2_500);
    }
    clock.advance(4_000);
    succeed(cb, 20); // a fast success: the database answers again
    for (int i = 0; i < 4; i++) {
      clock.advance(4_000);
      succeed(cb, 2_500);
    }
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
    clock.advance(4_000);
    succeed(cb, 2_500); // the fifth slow call in a row
    assertThat(cb.getState()).isEqualTo(State.OPEN);
  }

  @Test
  void aPermanentFailureEndsTheRunOfFailures() {
    CircuitBreaker cb = database();
    for (int i = 0; i < 4; i++) {
      clock.advance(2_000);
      fail(cb, 5, REFUSED);
    }
    clock.advance(2_000);
    fail(cb, 5, DUPLICATE); // the server answered
    for (int i = 0; i < 4; i++) {
      clock.advance(2_000);
      fail(cb, 5, REFUSED);
    }
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void theFirstProbeComesOneSecondAfterOpeningAndTheWaitDoublesUpToTwoSecondsWhileProbesFail() {
    CircuitBreaker cb = database();
    assertThat(callsToOpen(cb, 2_000, 22)).isPositive();
    List<Long> waits = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      long waited = 0;
      while (!cb.tryAcquirePermission()) {
        clock.advance(100);
        waited += 100;
        assertThat(waited).as("wait in round %d", round).isLessThan(60_000);
      }
      waits.add(waited);
      // the probe fails: open again at once, without waiting for the other probes' results
      cb.onError(5, TimeUnit.MILLISECONDS, REFUSED);
      assertThat(cb.getState()).as("after failed probe %d", round).isEqualTo(State.OPEN);
    }
    // OpenState lets calls through once its deadline has passed (strictly after), so each wait
    // ends on the 100 ms step after the interval: 1 s, then the 2 s cap
    assertThat(waits).containsExactly(1_100L, 2_100L, 2_100L, 2_100L, 2_100L);
  }

  @Test
  void afterTheWaitThreeProbesSucceedingCloseIt() {
    CircuitBreaker cb = database();
    assertThat(callsToOpen(cb, 2_000, 22)).isPositive();
    clock.advance(1_100);
    assertThat(succeed(cb, 5)).isTrue();
    assertThat(cb.getState()).isEqualTo(State.HALF_OPEN);
    assertThat(succeed(cb, 5)).isTrue();
    assertThat(succeed(cb, 5)).isTrue();
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void whileThreeProbesAreInFlightFurtherCallsAreRefused() {
    CircuitBreaker cb = database();
    assertThat(callsToOpen(cb, 2_000, 22)).isPositive();
    clock.advance(1_100);
    int permitted = 0;
    for (int i = 0; i < 100; i++) { // a burst of callers when the wait ends: few probes, no herd
      if (cb.tryAcquirePermission()) {
        permitted++;
      }
    }
    assertThat(permitted).isEqualTo(3);
  }

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    private volatile long millis = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();

    void advance(long ms) {
      millis += ms;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }
}
