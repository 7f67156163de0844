package dev.larder.jdbc.internal;

import dev.larder.jdbc.ReplicaStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** Micrometer meters named {@code larder.jdbc.*}. */
final class MicrometerJdbcMetrics implements JdbcMetrics {
  private final MeterRegistry registry;
  private final Counter rywFallbacks;

  private MicrometerJdbcMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.rywFallbacks =
        Counter.builder("larder.jdbc.ryw.fallbacks")
            .description("read-your-writes reads no replica could serve in time")
            .register(registry);
  }

  static JdbcMetrics create(Object registry) {
    if (!(registry instanceof MeterRegistry r)) {
      throw new IllegalArgumentException(
          "meterRegistry must be a io.micrometer.core.instrument.MeterRegistry but was "
              + registry.getClass().getName());
    }
    return new MicrometerJdbcMetrics(r);
  }

  @Override
  public void routed(String route, String intent, String reason) {
    registry
        .counter("larder.jdbc.reads", "route", route, "intent", intent, "reason", reason)
        .increment();
  }

  @Override
  public void readYourWritesFallback() {
    rywFallbacks.increment();
  }

  @Override
  public void replica(Target target) {
    Gauge.builder("larder.jdbc.replica.lag.bytes", target, t -> t.status().lagBytes())
        .tag("replica", target.name())
        .register(registry);
    Gauge.builder(
            "larder.jdbc.replica.in.rotation",
            target,
            t -> t.state() == ReplicaStatus.State.HEALTHY ? 1 : 0)
        .tag("replica", target.name())
        .register(registry);
    Gauge.builder("larder.jdbc.replica.in.flight", target, Target::inFlight)
        .tag("replica", target.name())
        .register(registry);
  }

  @Override
  public void statement(String query, String route, String outcome, long nanos) {
    Timer.builder("larder.jdbc.query")
        .tag("query", query)
        .tag("route", route)
        .tag("outcome", outcome)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }
}
