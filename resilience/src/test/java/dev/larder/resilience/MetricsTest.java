package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.FailureClass;
import dev.larder.core.ManualTimeSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void attemptsDecisionsBudgetAndBreakerAreMetered() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RetryPolicy policy =
        RetryPolicy.builder("orders")
            .initialInterval(Duration.ofMillis(1))
            .maxInterval(Duration.ofMillis(1))
            .classifier(f -> FailureClass.TRANSIENT)
            .meterRegistry(registry)
            .build();
    RetryBudget budget =
        RetryBudget.builder("orders")
            .retryRatio(0)
            .minRetriesPerSecond(1)
            .window(Duration.ofSeconds(1))
            .timeSource(ManualTimeSource.startingAt(Instant.EPOCH))
            .meterRegistry(registry)
            .build(); // one token in reserve
    CircuitBreaker breaker = CircuitBreakerPresets.database("orders");
    CircuitBreakerPresets.bindMetrics(breaker, registry);
    Resilience r = Resilience.of(breaker, policy, budget);

    assertThatThrownBy(
            () ->
                r.call(
                    true,
                    () -> {
                      throw new UncheckedIOException(new IOException("down"));
                    }))
        .isInstanceOf(UncheckedIOException.class);

    assertThat(
            registry
                .get("larder.resilience.retry.attempts")
                .tag("policy", "orders")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry
                .get("larder.resilience.retry.decisions")
                .tag("verdict", "retry")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("larder.resilience.retry.decisions")
                .tag("verdict", "budget")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("larder.resilience.budget.retries")
                .tag("result", "granted")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("larder.resilience.budget.retries")
                .tag("result", "exhausted")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(registry.get("larder.resilience.budget.balance").gauge().value()).isZero();
    assertThat(registry.get("larder.resilience.budget.calls").functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("resilience4j.retry.calls").tag("name", "orders").meters())
        .isNotEmpty();
    assertThat(
            registry
                .get("resilience4j.circuitbreaker.state")
                .tag("name", "orders")
                .tag("state", "closed")
                .gauge()
                .value())
        .isEqualTo(1);
    assertThat(registry.get("resilience4j.circuitbreaker.calls").tag("name", "orders").meters())
        .isNotEmpty();
  }
}
