package dev.larder.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test support for fault tests: a Redis circuit breaker the test can trip between two Redis calls
 * of one cache operation. Armed, it opens itself right after the next successful Redis call, so the
 * operation's following calls are refused exactly as when a real breaker opens between them.
 */
final class Faults {
  private Faults() {}

  /** A breaker that never opens by itself (huge window), so only the test decides. */
  static CircuitBreaker manualBreaker(String name) {
    return CircuitBreaker.of(
        name,
        CircuitBreakerConfig.custom()
            .slidingWindowSize(1000)
            .minimumNumberOfCalls(1000)
            .waitDurationInOpenState(Duration.ofHours(1))
            .build());
  }

  /** Opens {@code breaker} (forced) right after its next recorded success, once per arming. */
  static final class TripAfterNextSuccess {
    private final AtomicBoolean armed = new AtomicBoolean();

    TripAfterNextSuccess(CircuitBreaker breaker) {
      breaker
          .getEventPublisher()
          .onSuccess(
              e -> {
                if (armed.compareAndSet(true, false)) {
                  breaker.transitionToForcedOpenState();
                }
              });
    }

    void arm() {
      armed.set(true);
    }
  }
}
