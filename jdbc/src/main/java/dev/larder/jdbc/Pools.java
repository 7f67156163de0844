package dev.larder.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.larder.core.internal.Require;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * HikariCP pools for PostgreSQL from a {@link PoolPreset}, with PgJDBC tuned to match.
 *
 * <pre>{@code
 * HikariDataSource primary = Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db:5432/app")
 *     .credentials("app", secret)
 *     .expectedConcurrency(50)
 *     .meterRegistry(registry)
 *     .build();
 * }</pre>
 *
 * <p>Check the result against the server's own settings with {@link ServerSettingsCheck}.
 *
 * <p>Stateless: thread-safe. Its {@link Builder} is not (one per thread); the pools it builds are
 * HikariCP's, thread-safe.
 */
public final class Pools {
  /** Default maxLifetime: HikariCP's, and well under common proxy and firewall idle limits. */
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(30);

  /** Default keepaliveTime: pings idle connections so middleboxes keep them. */
  public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofMinutes(2);

  /** Default idleTimeout (applies only when minimumIdle is below the maximum). */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

  /** Default PgJDBC connectTimeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** PgJDBC's own prepareThreshold: server-side prepare after 5 executions. */
  public static final int DEFAULT_PREPARE_THRESHOLD = 5;

  private Pools() {}

  /**
   * Starts a builder.
   *
   * @param preset the starting point
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @return a new builder
   * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL
   */
  public static Builder builder(PoolPreset preset, String jdbcUrl) {
    Require.notNull(preset, "preset");
    Require.notNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "jdbcUrl must start with 'jdbc:postgresql:' but was '"
              + jdbcUrl.replaceAll("password=[^&]*", "password=***")
              + "'");
    }
    return new Builder(preset, jdbcUrl);
  }

  /**
   * Builds a pool; every setting may be given once.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private final PoolPreset preset;
    private final String jdbcUrl;
    private @Nullable String username;
    private @Nullable String password;
    private @Nullable String poolName;
    private @Nullable String applicationName;
    private @Nullable Integer databaseCores;
    private @Nullable Integer expectedConcurrency;
    private @Nullable Integer maximumPoolSize;
    private @Nullable Integer minimumIdle;
    private @Nullable Duration connectionTimeout;
    private @Nullable Duration maxLifetime;
    private @Nullable Duration keepaliveTime;
    private @Nullable Duration leakDetectionThreshold;
    private @Nullable Duration socketTimeout;
    private @Nullable Boolean pgBouncer;
    private @Nullable Boolean readOnlySessions;
    private @Nullable Object meterRegistry;
    private final List<Consumer<HikariConfig>> customizers = new ArrayList<>();

    private Builder(PoolPreset preset, String jdbcUrl) {
      this.preset = preset;
      this.jdbcUrl = jdbcUrl;
    }

    /**
     * The user and password.
     *
     * @param username the user
     * @param password the password (never logged)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder credentials(String username, String password) {
      Require.notYetSet(this.username, "username");
      this.username = Require.notNull(username, "username");
      this.password = Require.notNull(password, "password");
      return this;
    }

    /**
     * The pool's name in logs, JMX and metrics.
     *
     * @param name the name (default {@code larder-<preset>})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder poolName(String name) {
      Require.notYetSet(poolName, "poolName");
      this.poolName = Require.notNull(name, "poolName");
      return this;
    }

    /**
     * PgJDBC's {@code ApplicationName}, shown in {@code pg_stat_activity}.
     *
     * @param name the name (default: the pool name)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder applicationName(String name) {
      Require.notYetSet(applicationName, "applicationName");
      this.applicationName = Require.notNull(name, "applicationName");
      return this;
    }

    /**
     * The database server's CPU cores, for the pool-size formula.
     *
     * @param cores at least 1 (default: this JVM's available processors, a guess)
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder databaseCores(int cores) {
      Require.notYetSet(databaseCores, "databaseCores");
      this.databaseCores = Require.positive(cores, "databaseCores");
      return this;
    }

    /**
     * How many callers may want a connection at once (request threads, workers), for the pool-size
     * formula: a pool larger than this never fills.
     *
     * @param callers at least 1 (default: unbounded)
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder expectedConcurrency(int callers) {
      Require.notYetSet(expectedConcurrency, "expectedConcurrency");
      this.expectedConcurrency = Require.positive(callers, "expectedConcurrency");
      return this;
    }

    /**
     * Overrides the formula's pool size.
     *
     * @param size at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder maximumPoolSize(int size) {
      Require.notYetSet(maximumPoolSize, "maximumPoolSize");
      this.maximumPoolSize = Require.positive(size, "maximumPoolSize");
      return this;
    }

    /**
     * Idle connections kept open.
     *
     * @param idle 0 or more, at most the pool size (default: the pool size, a fixed pool, as
     *     HikariCP recommends)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder minimumIdle(int idle) {
      Require.notYetSet(minimumIdle, "minimumIdle");
      this.minimumIdle = Require.nonNegative(idle, "minimumIdle");
      return this;
    }

    /**
     * How long a caller waits for a connection before failing.
     *
     * @param timeout at least 250 ms (default per preset)
     * @return this builder
     * @throws IllegalArgumentException if below 250 ms
     * @throws IllegalStateException if already set
     */
    public Builder connectionTimeout(Duration timeout) {
      Require.notYetSet(connectionTimeout, "connectionTimeout");
      this.connectionTimeout = atLeast(timeout, Duration.ofMillis(250), "connectionTimeout");
      return this;
    }

    /**
     * The longest a connection lives; set it below any limit the server or network imposes ({@link
     * ServerSettingsCheck} compares it with {@code idle_session_timeout}).
     *
     * @param lifetime at least 30 s (default 30 min)
     * @return this builder
     * @throws IllegalArgumentException if below 30 s
     * @throws IllegalStateException if already set
     */
    public Builder maxLifetime(Duration lifetime) {
      Require.notYetSet(maxLifetime, "maxLifetime");
      this.maxLifetime = atLeast(lifetime, Duration.ofSeconds(30), "maxLifetime");
      return this;
    }

    /**
     * How often idle connections are pinged; 0 turns keepalive off.
     *
     * @param interval 0 or at least 30 s, below maxLifetime (default 2 min)
     * @return this builder
     * @throws IllegalArgumentException if between 0 and 30 s
     * @throws IllegalStateException if already set
     */
    public Builder keepaliveTime(Duration interval) {
      Require.notYetSet(keepaliveTime, "keepaliveTime");
      Require.nonNegative(interval, "keepaliveTime");
      this.keepaliveTime =
          interval.isZero() ? interval : atLeast(interval, Duration.ofSeconds(30), "keepaliveTime");
      return this;
    }

    /**
     * A connection held longer than this is logged as a possible leak; 0 turns it off.
     *
     * @param threshold 0 or at least 2 s (default per preset)
     * @return this builder
     * @throws IllegalArgumentException if between 0 and 2 s
     * @throws IllegalStateException if already set
     */
    public Builder leakDetectionThreshold(Duration threshold) {
      Require.notYetSet(leakDetectionThreshold, "leakDetectionThreshold");
      Require.nonNegative(threshold, "leakDetectionThreshold");
      this.leakDetectionThreshold =
          threshold.isZero()
              ? threshold
              : atLeast(threshold, Duration.ofSeconds(2), "leakDetectionThreshold");
      return this;
    }

    /**
     * PgJDBC's {@code socketTimeout}: a read from the server blocked longer than this fails the
     * connection. Whole seconds; 0 waits for ever.
     *
     * @param timeout 0 or more (default per preset)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder socketTimeout(Duration timeout) {
      Require.notYetSet(socketTimeout, "socketTimeout");
      this.socketTimeout = Require.nonNegative(timeout, "socketTimeout");
      return this;
    }

    /**
     * The pool talks to PgBouncer in transaction mode, where a session's server-side prepared
     * statements do not survive between transactions: sets PgJDBC's {@code prepareThreshold=0}.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder pgBouncerTransactionMode() {
      Require.notYetSet(pgBouncer, "pgBouncerTransactionMode");
      this.pgBouncer = Boolean.TRUE;
      return this;
    }

    /**
     * Every connection's session is read-only: sets PgJDBC's startup {@code options} to {@code -c
     * default_transaction_read_only=on}, so the server refuses writes (SQLSTATE 25006) without a
     * statement per call. Meant for {@link ReplicaRouter.Builder#primaryReadPool}. A customizer
     * that sets {@code options} itself replaces this.
     *
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder readOnlySessions() {
      Require.notYetSet(readOnlySessions, "readOnlySessions");
      this.readOnlySessions = Boolean.TRUE;
      return this;
    }

    /**
     * Exports the pool's metrics ({@code hikaricp.connections.*}) through HikariCP's {@code
     * MicrometerMetricsTrackerFactory}.
     *
     * @param registry the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Require.notYetSet(meterRegistry, "meterRegistry");
      this.meterRegistry = Require.notNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Changes the HikariCP configuration after the preset is applied (anything not covered here).
     *
     * @param customizer the change
     * @return this builder
     */
    public Builder customize(Consumer<HikariConfig> customizer) {
      customizers.add(Require.notNull(customizer, "customizer"));
      return this;
    }

    /**
     * The configuration this builder describes, validated.
     *
     * @return a new HikariCP configuration
     * @throws IllegalArgumentException if settings contradict each other (minimumIdle above the
     *     pool size, keepaliveTime not below maxLifetime)
     */
    public HikariConfig toHikariConfig() {
      int cores =
          databaseCores != null ? databaseCores : Runtime.getRuntime().availableProcessors();
      int size =
          maximumPoolSize != null
              ? maximumPoolSize
              : preset.recommendedPoolSize(
                  cores, expectedConcurrency != null ? expectedConcurrency : Integer.MAX_VALUE);
      int idle = minimumIdle != null ? minimumIdle : size;
      if (idle > size) {
        throw new IllegalArgumentException(
            "minimumIdle must be <= maximumPoolSize " + size + " but was " + idle);
      }
      Duration lifetime = maxLifetime != null ? maxLifetime : DEFAULT_MAX_LIFETIME;
      Duration keepalive = keepaliveTime != null ? keepaliveTime : DEFAULT_KEEPALIVE_TIME;
      if (!keepalive.isZero() && keepalive.compareTo(lifetime) >= 0) {
        throw new IllegalArgumentException(
            "keepaliveTime must be < maxLifetime " + lifetime + " but was " + keepalive);
      }
      String name =
          poolName != null
              ? poolName
              : "larder-" + preset.name().toLowerCase(java.util.Locale.ROOT);

      HikariConfig c = new HikariConfig();
      c.setJdbcUrl(jdbcUrl);
      if (username != null) {
        c.setUsername(username);
        c.setPassword(password);
      }
      c.setPoolName(name);
      c.setMaximumPoolSize(size);
      c.setMinimumIdle(idle);
      c.setConnectionTimeout(
          (connectionTimeout != null ? connectionTimeout : preset.connectionTimeout).toMillis());
      c.setValidationTimeout(Math.min(1000, c.getConnectionTimeout()));
      c.setMaxLifetime(lifetime.toMillis());
      c.setKeepaliveTime(keepalive.toMillis());
      c.setIdleTimeout(DEFAULT_IDLE_TIMEOUT.toMillis());
      c.setLeakDetectionThreshold(
          (leakDetectionThreshold != null ? leakDetectionThreshold : preset.leakDetectionThreshold)
              .toMillis());
      c.setReadOnly(preset.readOnly);
      // a replica may be down when the application starts: its pool must still be built
      c.setInitializationFailTimeout(preset.failFast ? 1 : -1);
      c.addDataSourceProperty("ApplicationName", applicationName != null ? applicationName : name);
      c.addDataSourceProperty("reWriteBatchedInserts", "true");
      c.addDataSourceProperty("tcpKeepAlive", "true");
      c.addDataSourceProperty(
          "connectTimeout", String.valueOf(DEFAULT_CONNECT_TIMEOUT.toSeconds()));
      c.addDataSourceProperty(
          "socketTimeout",
          String.valueOf(
              (socketTimeout != null ? socketTimeout : preset.socketTimeout).toSeconds()));
      c.addDataSourceProperty(
          "prepareThreshold", String.valueOf(pgBouncer != null ? 0 : DEFAULT_PREPARE_THRESHOLD));
      if (readOnlySessions != null) {
        c.addDataSourceProperty("options", "-c default_transaction_read_only=on");
      }
      if (meterRegistry != null) {
        c.setMetricsTrackerFactory(
            new MicrometerMetricsTrackerFactory((MeterRegistry) meterRegistry));
      }
      customizers.forEach(f -> f.accept(c));
      return c;
    }

    /**
     * Builds and starts the pool.
     *
     * @return the pool; close it when done
     * @throws IllegalArgumentException if settings contradict each other
     * @throws com.zaxxer.hikari.pool.HikariPool.PoolInitializationException if an OLTP or batch
     *     pool cannot connect at start
     */
    public HikariDataSource build() {
      return new HikariDataSource(toHikariConfig());
    }

    private static Duration atLeast(@Nullable Duration value, Duration min, String field) {
      Duration present = Require.notNull(value, field);
      if (present.compareTo(min) < 0) {
        throw new IllegalArgumentException(field + " must be >= " + min + " but was " + present);
      }
      return present;
    }
  }
}
