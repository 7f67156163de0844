package dev.larder.resilience.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetricsPublisher;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetricsPublisher;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Micrometer bindings; loaded only once a {@code MeterRegistry} has been passed in. */
final class MicrometerBinder {
  private MicrometerBinder() {}

  static <B> MicrometerSupport.BudgetMeters budget(
      Object registryObject,
      String name,
      B budget,
      ToDoubleFunction<B> balance,
      ToDoubleFunction<B> callCount) {
    MeterRegistry registry = (MeterRegistry) registryObject;
    Counter granted =
        Counter.builder("larder.resilience.budget.retries")
            .description("Retries asked of a retry budget, by result")
            .tag("budget", name)
            .tag("result", "granted")
            .register(registry);
    Counter exhausted =
        Counter.builder("larder.resilience.budget.retries")
            .description("Retries asked of a retry budget, by result")
            .tag("budget", name)
            .tag("result", "exhausted")
            .register(registry);
    Gauge.builder("larder.resilience.budget.balance", budget, balance)
        .description("Retry tokens available now")
        .baseUnit("tokens")
        .tag("budget", name)
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "larder.resilience.budget.calls", budget, callCount)
        .description("Calls that deposited into the retry budget")
        .tag("budget", name)
        .register(registry);
    return new MicrometerSupport.BudgetMeters() {
      @Override
      public void granted() {
        granted.increment();
      }

      @Override
      public void exhausted() {
        exhausted.increment();
      }
    };
  }

  static MicrometerSupport.RetryMeters retry(Object registryObject, String policy, Retry retry) {
    MeterRegistry registry = (MeterRegistry) registryObject;
    new TaggedRetryMetricsPublisher(registry).publishMetrics(retry);
    Counter attempts =
        Counter.builder("larder.resilience.retry.attempts")
            .description("Attempts started, first attempts included")
            .tag("policy", policy)
            .register(registry);
    Map<RetryPlanner.Verdict, Counter> decisions = new EnumMap<>(RetryPlanner.Verdict.class);
    for (RetryPlanner.Verdict v : RetryPlanner.Verdict.values()) {
      decisions.put(
          v,
          Counter.builder("larder.resilience.retry.decisions")
              .description(
                  "What the policy decided after a failed attempt: retry, or why it stopped")
              .tag("policy", policy)
              .tag("verdict", v.tag())
              .register(registry));
    }
    return new MicrometerSupport.RetryMeters() {
      @Override
      public void attempt() {
        attempts.increment();
      }

      @Override
      public void decision(RetryPlanner.Verdict verdict) {
        // Every verdict got its counter above.
        java.util.Objects.requireNonNull(decisions.get(verdict)).increment();
      }
    };
  }

  static void breaker(Object registryObject, CircuitBreaker breaker) {
    new TaggedCircuitBreakerMetricsPublisher((MeterRegistry) registryObject)
        .publishMetrics(breaker);
  }
}
