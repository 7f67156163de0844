package dev.larder.jdbc;

import dev.larder.core.internal.Require;
import dev.larder.jdbc.internal.JdbcMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JDBI {@link SqlLogger} that times every statement and logs slow ones.
 *
 * <p>With a {@code MeterRegistry}, each statement records the timer {@code larder.jdbc.query}
 * tagged {@code query} (the name given in the statement attribute {@value #QUERY_NAME_ATTRIBUTE},
 * else a stable 16-hex-digit hash of the SQL text with whitespace collapsed, the same in every
 * JVM), {@code route} ({@code primary} / {@code replica}, from {@link RoutingJdbi}) and {@code
 * outcome} ({@code success} / {@code error}). A statement slower than the threshold is logged once,
 * at WARN, on the logger {@code dev.larder.jdbc.SlowQuery}, as {@code slow query query=<hash>
 * route=<route> elapsedMs=<ms> rows=<n>}; the SQL text itself is logged only at DEBUG (it may hold
 * literals). Rows are the rows mapped so far, or the update count for statements that return none.
 *
 * <pre>{@code
 * QueryMetrics metrics = QueryMetrics.builder().meterRegistry(registry)
 *     .slowQueryThreshold(Duration.ofMillis(200)).build();
 * RoutingJdbi db = RoutingJdbi.builder(router).sqlLogger(metrics).build();
 * handle.createQuery("SELECT ...").define(QueryMetrics.QUERY_NAME_ATTRIBUTE, "findOrder")...
 * }</pre>
 *
 * <p>Thread-safe: JDBI calls it from every thread that runs statements; it keeps no per-statement
 * state of its own. Its {@link Builder} is not.
 */
public final class QueryMetrics implements SqlLogger {
  /** Statement attribute naming a query for the {@code query} tag. */
  public static final String QUERY_NAME_ATTRIBUTE = "larder.query";

  /** Statement attribute {@link RoutingJdbi} sets to {@code primary} or {@code replica}. */
  public static final String ROUTE_ATTRIBUTE = "larder.route";

  /** Default {@link Builder#slowQueryThreshold(Duration)}. */
  public static final Duration DEFAULT_SLOW_QUERY_THRESHOLD = Duration.ofMillis(500);

  private static final Logger SLOW = LoggerFactory.getLogger("dev.larder.jdbc.SlowQuery");

  private final JdbcMetrics metrics;
  private final long slowNanos;

  private QueryMetrics(JdbcMetrics metrics, Duration slow) {
    this.metrics = metrics;
    this.slowNanos = slow.toNanos();
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The stable hash used as a query's tag when it has no name: FNV-1a (64 bit) over the SQL with
   * runs of whitespace collapsed to one space and the ends trimmed.
   *
   * @param sql the statement's text
   * @return 16 lower-case hex digits
   */
  public static String hash(String sql) {
    long h = 0xcbf29ce484222325L;
    boolean space = false;
    boolean started = false;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c)) {
        space = started;
        continue;
      }
      if (space) {
        h = (h ^ ' ') * 0x100000001b3L;
        space = false;
      }
      started = true;
      h = (h ^ c) * 0x100000001b3L;
    }
    return String.format(Locale.ROOT, "%016x", h);
  }

  @Override
  public void logAfterExecution(StatementContext context) {
    long nanos = context.getElapsedTime(ChronoUnit.NANOS);
    String query = queryName(context);
    String route = attribute(context, ROUTE_ATTRIBUTE, "unknown");
    metrics.statement(query, route, "success", nanos);
    if (nanos >= slowNanos) {
      long updateCount = updateCount(context);
      // rows are known once the results are mapped, when the statement is closed
      context.addCleanable(() -> logSlow(context, query, route, nanos, updateCount));
    }
  }

  @Override
  public void logException(StatementContext context, SQLException ex) {
    long nanos = context.getElapsedTime(ChronoUnit.NANOS);
    metrics.statement(
        queryName(context), attribute(context, ROUTE_ATTRIBUTE, "unknown"), "error", nanos);
  }

  private static void logSlow(
      StatementContext context, String query, String route, long nanos, long updateCount) {
    long rows =
        context.getMappedRows() > 0 || updateCount < 0 ? context.getMappedRows() : updateCount;
    SLOW.warn(
        "slow query query={} route={} elapsedMs={} rows={}",
        query,
        route,
        TimeUnit.NANOSECONDS.toMillis(nanos),
        rows);
    if (SLOW.isDebugEnabled()) {
      SLOW.debug("slow query query={} sql={}", query, context.getRawSql());
    }
  }

  private static long updateCount(StatementContext context) {
    try {
      return context.getStatement() == null ? -1 : context.getStatement().getUpdateCount();
    } catch (SQLException | RuntimeException e) {
      return -1;
    }
  }

  private static String queryName(StatementContext context) {
    String name = attribute(context, QUERY_NAME_ATTRIBUTE, "");
    if (!name.isEmpty()) {
      return name;
    }
    String sql = context.getRawSql();
    return sql == null ? "unknown" : hash(sql);
  }

  private static String attribute(StatementContext context, String key, String otherwise) {
    Object v = context.getAttribute(key);
    return v == null ? otherwise : v.toString();
  }

  /**
   * Builds {@link QueryMetrics}.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private @Nullable Object registry;
    private @Nullable Duration slow;

    private Builder() {}

    /**
     * Where to record the {@code larder.jdbc.query} timer (without one, only the slow-query log
     * runs).
     *
     * @param registry the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Require.notYetSet(this.registry, "meterRegistry");
      this.registry = Require.notNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Statements at least this slow are logged.
     *
     * @param threshold the threshold, 0 or more (0 logs every statement; default 500 ms)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder slowQueryThreshold(Duration threshold) {
      Require.notYetSet(slow, "slowQueryThreshold");
      this.slow = Require.nonNegative(threshold, "slowQueryThreshold");
      return this;
    }

    /**
     * Builds the logger.
     *
     * @return the logger, to pass to {@link RoutingJdbi.Builder#sqlLogger} or {@code
     *     Jdbi.setSqlLogger}
     */
    public QueryMetrics build() {
      return new QueryMetrics(
          JdbcMetrics.of(registry), slow != null ? slow : DEFAULT_SLOW_QUERY_THRESHOLD);
    }
  }
}
