package dev.larder.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.core.internal.Require;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares pools with what the PostgreSQL server says about itself, at start-up, and warns about
 * (or, in strict mode, refuses) contradictions that otherwise show up as broken connections in
 * production.
 *
 * <p>Read from {@code pg_settings} on the first pool's connection (so per-database and per-role
 * settings count): {@code idle_session_timeout}, {@code tcp_keepalives_idle}, {@code
 * max_connections}, {@code superuser_reserved_connections} and {@code reserved_connections}
 * (PostgreSQL 16+); and from {@code pg_database} and {@code pg_roles} the connection limits of that
 * connection's database and user. Give one check the pools that share a server, database and user.
 * Checks:
 *
 * <ul>
 *   <li><b>contradiction</b>: a pooled connection can sit idle longer than {@code
 *       idle_session_timeout} (no keepalive ping below it and {@code maxLifetime} above it): the
 *       server closes it first and the pool hands out a dead connection;
 *   <li><b>contradiction</b>: the pools' sizes, times the number of application instances, add up
 *       to more than {@code max_connections} minus the reserved connections;
 *   <li><b>contradiction</b>: for a user who is not a superuser (superusers are exempt), they add
 *       up to more than the database's or the role's {@code CONNECTION LIMIT} ({@code ALTER
 *       DATABASE … CONNECTION LIMIT n}, {@code ALTER ROLE … CONNECTION LIMIT n});
 *   <li><b>advice</b>: neither the pool ({@code keepaliveTime}) nor the server's TCP keepalive
 *       probes an idle connection within two hours, so a NAT or firewall may drop it silently.
 * </ul>
 *
 * <pre>{@code
 * ServerSettingsCheck.builder().pool(primaryPool).instances(4).failOnContradiction().build().run();
 * }</pre>
 *
 * <p>Immutable once built; {@link #run()} may be called from any thread (each run reads the servers
 * anew). Its {@link Builder} is not thread-safe.
 */
public final class ServerSettingsCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ServerSettingsCheck.class);
  private static final Duration TCP_ADVICE = Duration.ofHours(2);

  /**
   * How serious a finding is.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum Severity {
    /** Worth a look; never fails start-up. */
    ADVICE,
    /** The pool and the server disagree; fails start-up in strict mode. */
    CONTRADICTION
  }

  /**
   * One thing the check found.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param severity how serious
   * @param setting the setting concerned ({@code maxLifetime}, {@code maximumPoolSize}…)
   * @param message what disagrees and what to change
   */
  public record Finding(Severity severity, String setting, String message) {
    @Override
    public String toString() {
      return severity + " " + setting + ": " + message;
    }
  }

  /**
   * The server's settings as read.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param idleSessionTimeout {@code idle_session_timeout}, zero when off or unknown
   * @param tcpKeepalivesIdle {@code tcp_keepalives_idle}, zero when the OS default is used
   * @param maxConnections {@code max_connections}
   * @param reservedConnections {@code superuser_reserved_connections + reserved_connections}
   * @param databaseConnectionLimit the database's {@code CONNECTION LIMIT}, -1 when unlimited
   * @param roleConnectionLimit the user's {@code CONNECTION LIMIT}, -1 when unlimited
   * @param superuser whether the user is a superuser (exempt from both connection limits)
   */
  public record ServerSettings(
      Duration idleSessionTimeout,
      Duration tcpKeepalivesIdle,
      int maxConnections,
      int reservedConnections,
      int databaseConnectionLimit,
      int roleConnectionLimit,
      boolean superuser) {}

  /**
   * What a run found.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param server the settings read
   * @param findings the findings, possibly none
   */
  public record Report(ServerSettings server, List<Finding> findings) {
    /**
     * Whether any finding is a contradiction.
     *
     * @return {@code true} if one is
     */
    public boolean hasContradictions() {
      return findings.stream().anyMatch(f -> f.severity() == Severity.CONTRADICTION);
    }
  }

  private final List<HikariDataSource> pools;
  private final int instances;
  private final boolean strict;

  private ServerSettingsCheck(List<HikariDataSource> pools, int instances, boolean strict) {
    this.pools = List.copyOf(pools);
    this.instances = instances;
    this.strict = strict;
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
   * Reads the server's settings through the first pool and checks every pool against them. Each
   * finding is logged at WARN.
   *
   * @return the report
   * @throws PoolConfigurationException in strict mode, if a contradiction was found
   * @throws SQLException if the settings cannot be read
   */
  public Report run() throws SQLException {
    ServerSettings server = read(pools.get(0));
    List<Finding> findings = new ArrayList<>();
    long ist = server.idleSessionTimeout().toMillis();
    int total = 0;
    for (HikariDataSource p : pools) {
      total += p.getMaximumPoolSize();
      long lifetime = p.getMaxLifetime();
      long keepalive = p.getKeepaliveTime();
      long idleSpan = keepalive > 0 ? Math.min(keepalive, lifetime) : lifetime;
      if (ist > 0 && idleSpan >= ist) {
        findings.add(
            new Finding(
                Severity.CONTRADICTION,
                "maxLifetime",
                "pool "
                    + p.getPoolName()
                    + " lets a connection sit idle "
                    + idleSpan
                    + " ms (maxLifetime "
                    + lifetime
                    + " ms, keepaliveTime "
                    + keepalive
                    + " ms) but the server's idle_session_timeout is "
                    + ist
                    + " ms and closes it first: set keepaliveTime or maxLifetime below "
                    + ist
                    + " ms (both are at least 30000 ms), or raise idle_session_timeout for this role"));
      }
      long tcp = server.tcpKeepalivesIdle().toMillis();
      if (keepalive == 0 && (tcp == 0 || tcp >= TCP_ADVICE.toMillis())) {
        findings.add(
            new Finding(
                Severity.ADVICE,
                "keepaliveTime",
                "pool "
                    + p.getPoolName()
                    + " has keepaliveTime 0 and the server's tcp_keepalives_idle is "
                    + (tcp == 0 ? "the OS default" : tcp / 1000 + " s")
                    + ": nothing probes idle connections, so a NAT or firewall may drop them silently"));
      }
    }
    int usable = server.maxConnections() - server.reservedConnections();
    long demand = (long) total * instances;
    if (demand > usable) {
      findings.add(
          new Finding(
              Severity.CONTRADICTION,
              "maximumPoolSize",
              "pools "
                  + names()
                  + " may open "
                  + total
                  + " connections x "
                  + instances
                  + " instance(s) = "
                  + demand
                  + " but the server accepts "
                  + usable
                  + " (max_connections "
                  + server.maxConnections()
                  + " minus "
                  + server.reservedConnections()
                  + " reserved)"));
    }
    if (!server.superuser()) {
      limit(
          findings,
          demand,
          total,
          server.databaseConnectionLimit(),
          "the database's CONNECTION LIMIT");
      limit(findings, demand, total, server.roleConnectionLimit(), "the role's CONNECTION LIMIT");
    }
    findings.forEach(f -> LOG.warn("pool check: {}", f));
    Report report = new Report(server, List.copyOf(findings));
    if (strict && report.hasContradictions()) {
      throw new PoolConfigurationException(
          findings.stream().filter(f -> f.severity() == Severity.CONTRADICTION).toList());
    }
    return report;
  }

  private void limit(List<Finding> findings, long demand, int total, int limit, String what) {
    if (limit >= 0 && demand > limit) {
      findings.add(
          new Finding(
              Severity.CONTRADICTION,
              "maximumPoolSize",
              "pools "
                  + names()
                  + " may open "
                  + total
                  + " connections x "
                  + instances
                  + " instance(s) = "
                  + demand
                  + " but "
                  + what
                  + " is "
                  + limit));
    }
  }

  private List<String> names() {
    return pools.stream().map(HikariDataSource::getPoolName).toList();
  }

  private static ServerSettings read(HikariDataSource pool) throws SQLException {
    Map<String, Long> values = new HashMap<>();
    int databaseLimit;
    int roleLimit;
    boolean superuser;
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT name, setting FROM pg_settings WHERE name IN ("
                  + "'idle_session_timeout', 'tcp_keepalives_idle', 'max_connections',"
                  + " 'superuser_reserved_connections', 'reserved_connections')")) {
        while (rs.next()) {
          values.put(rs.getString(1), Long.parseLong(rs.getString(2)));
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT"
                  + " (SELECT datconnlimit FROM pg_database WHERE datname = current_database()),"
                  + " (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user),"
                  + " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")) {
        rs.next();
        // -1 is unlimited; PostgreSQL 15+ marks a half-dropped database with -2
        databaseLimit = Math.max(-1, rs.getInt(1));
        roleLimit = Math.max(-1, rs.getInt(2));
        superuser = rs.getBoolean(3);
      }
    }
    // pg_settings gives each in its base unit: ms for idle_session_timeout, s for
    // tcp_keepalives_idle
    return new ServerSettings(
        Duration.ofMillis(values.getOrDefault("idle_session_timeout", 0L)),
        Duration.ofSeconds(values.getOrDefault("tcp_keepalives_idle", 0L)),
        values.getOrDefault("max_connections", (long) Integer.MAX_VALUE).intValue(),
        (int)
            (values.getOrDefault("superuser_reserved_connections", 0L)
                + values.getOrDefault("reserved_connections", 0L)),
        databaseLimit,
        roleLimit,
        superuser);
  }

  /**
   * Builds a {@link ServerSettingsCheck}.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private final List<HikariDataSource> pools = new ArrayList<>();
    private @Nullable Integer instances;
    private boolean strict;

    private Builder() {}

    /**
     * Adds a pool; all pools given must connect to the same server.
     *
     * @param pool the pool
     * @return this builder
     */
    public Builder pool(HikariDataSource pool) {
      pools.add(Require.notNull(pool, "pool"));
      return this;
    }

    /**
     * How many application instances run these pools against the same server.
     *
     * @param count at least 1 (default 1)
     * @return this builder
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if already set
     */
    public Builder instances(int count) {
      Require.notYetSet(instances, "instances");
      this.instances = Require.positive(count, "instances");
      return this;
    }

    /**
     * Makes {@link #run()} throw {@link PoolConfigurationException} on a contradiction instead of
     * only logging it.
     *
     * @return this builder
     */
    public Builder failOnContradiction() {
      this.strict = true;
      return this;
    }

    /**
     * Builds the check.
     *
     * @return the check
     * @throws IllegalStateException if no pool was given
     */
    public ServerSettingsCheck build() {
      if (pools.isEmpty()) {
        throw new IllegalStateException("pool must be given at least once");
      }
      return new ServerSettingsCheck(pools, instances != null ? instances : 1, strict);
    }
  }
}
