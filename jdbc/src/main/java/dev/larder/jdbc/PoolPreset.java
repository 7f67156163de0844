package dev.larder.jdbc;

import java.time.Duration;

/**
 * Starting points for a HikariCP pool, each tuned for one kind of work. {@link Pools} turns a
 * preset into a pool; every value can be overridden there.
 *
 * <p>Pool size follows HikariCP's pool-sizing guidance: a database runs about {@code cores × 2 +
 * effective spindles} statements at once before they queue inside it, so more connections than that
 * only add contention. With {@code c} = the database server's cores and {@code n} = the expected
 * number of concurrent callers:
 *
 * <table>
 *   <caption>Presets</caption>
 *   <tr><th></th><th>OLTP</th><th>BATCH</th><th>REPLICA</th></tr>
 *   <tr><td>maximumPoolSize</td><td>{@code max(2, min(n, 2c + 1))}</td><td>{@code max(1, min(n, c))}</td>
 *       <td>{@code max(2, min(n, 2c + 1))}</td></tr>
 *   <tr><td>connectionTimeout</td><td>1 s (below the interactive retry deadline)</td><td>30 s</td><td>1 s (fail over fast)</td></tr>
 *   <tr><td>socketTimeout (PgJDBC)</td><td>30 s</td><td>30 min</td><td>30 s</td></tr>
 *   <tr><td>leakDetectionThreshold</td><td>30 s</td><td>off</td><td>30 s</td></tr>
 *   <tr><td>read-only</td><td>no</td><td>no</td><td>yes</td></tr>
 *   <tr><td>fail at start if down</td><td>yes</td><td>yes</td><td>no (a replica may be down)</td></tr>
 * </table>
 *
 * <p>All presets: maxLifetime 30 min, keepaliveTime 2 min, idleTimeout 10 min, validationTimeout 1
 * s, PgJDBC {@code connectTimeout} 5 s, {@code tcpKeepAlive}, {@code reWriteBatchedInserts} and
 * {@code prepareThreshold} 5 (0 in PgBouncer transaction mode).
 *
 * <p>An enum: immutable and thread-safe.
 */
public enum PoolPreset {
  /**
   * Short transactions from request threads. Its 1 s connection timeout stays below the 2 s
   * deadline of {@code RetryPolicy.interactiveBuilder} and any load timeout of a second or more, so
   * a primary that is down fails fast enough to be retried, and with its own cause.
   */
  OLTP(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), false, true),
  /** Few connections holding long statements: imports, reports, backfills. */
  BATCH(Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ZERO, false, true),
  /** Reads on a streaming standby. */
  REPLICA(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), true, false);

  final Duration connectionTimeout;
  final Duration socketTimeout;
  final Duration leakDetectionThreshold;
  final boolean readOnly;
  final boolean failFast;

  PoolPreset(
      Duration connectionTimeout,
      Duration socketTimeout,
      Duration leakDetectionThreshold,
      boolean readOnly,
      boolean failFast) {
    this.connectionTimeout = connectionTimeout;
    this.socketTimeout = socketTimeout;
    this.leakDetectionThreshold = leakDetectionThreshold;
    this.readOnly = readOnly;
    this.failFast = failFast;
  }

  /**
   * The pool size this preset recommends.
   *
   * @param databaseCores the database server's CPU cores (at least 1)
   * @param expectedConcurrency how many callers may want a connection at once (at least 1)
   * @return the maximum pool size
   * @throws IllegalArgumentException if either argument is below 1
   */
  public int recommendedPoolSize(int databaseCores, int expectedConcurrency) {
    dev.larder.core.internal.Require.positive(databaseCores, "databaseCores");
    dev.larder.core.internal.Require.positive(expectedConcurrency, "expectedConcurrency");
    if (this == BATCH) {
      return Math.max(1, Math.min(expectedConcurrency, databaseCores));
    }
    return Math.max(2, Math.min(expectedConcurrency, databaseCores * 2 + 1));
  }
}
