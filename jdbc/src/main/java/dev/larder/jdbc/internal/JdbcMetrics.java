package dev.larder.jdbc.internal;

/**
 * Where larder-jdbc reports what it measures. {@link #NOOP} when no {@code MeterRegistry} was
 * given, so Micrometer stays an optional dependency (its classes load only in {@link
 * MicrometerJdbcMetrics}).
 *
 * <p>Implementations are thread-safe: reads, health checks and statements report from many threads.
 */
public interface JdbcMetrics {

  /** Reports nothing. */
  JdbcMetrics NOOP = new JdbcMetrics() {};

  /**
   * Creates the Micrometer-backed metrics.
   *
   * @param registry a {@code io.micrometer.core.instrument.MeterRegistry}, or null
   * @return metrics reporting to it, or {@link #NOOP} if null
   */
  static JdbcMetrics of(@org.jspecify.annotations.Nullable Object registry) {
    return registry == null ? NOOP : MicrometerJdbcMetrics.create(registry);
  }

  /**
   * A read was routed.
   *
   * @param route {@code primary} or {@code replica}
   * @param intent the intent's kind
   * @param reason why this server: {@code eligible}, {@code waited}, {@code fallback}, {@code
   *     strong}
   */
  default void routed(String route, String intent, String reason) {}

  /** A read-your-writes read found no replica that had replayed its token in time. */
  default void readYourWritesFallback() {}

  /**
   * Exposes a replica's state as gauges.
   *
   * @param target the replica
   */
  default void replica(Target target) {}

  /**
   * One statement ran.
   *
   * @param query its stable name or hash
   * @param route {@code primary} or {@code replica} (or {@code unknown})
   * @param outcome {@code success} or {@code error}
   * @param nanos how long it took
   */
  default void statement(String query, String route, String outcome, long nanos) {}
}
