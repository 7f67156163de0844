package dev.larder.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.jdbc.PoolPreset;
import dev.larder.jdbc.Pools;
import dev.larder.jdbc.ServerSettingsCheck;
import java.sql.SQLException;

/**
 * Pool tuning (larder-jdbc): one HikariCP pool per server, sized by a preset's formula instead of a
 * guess, then checked against what the server itself reports.
 *
 * <p>Copy this class when you create pools: the OLTP preset for the primary (fail fast at start, 1
 * s connection timeout, below the interactive retry deadline), the REPLICA preset for a standby
 * (read-only, 1 s timeout so a dead replica is left quickly, may be down at start). Pool size is
 * {@code min(callers, 2 x cores + 1)}: more connections than the database can run at once only
 * queue inside it.
 */
public final class PoolTuningWiring {
  /** The database server's cores (the formula's {@code c}); the demo machine has 2. */
  public static final int DATABASE_CORES = 2;

  /** Request threads that may want a connection at once (the formula's {@code n}). */
  public static final int EXPECTED_CONCURRENCY = 16;

  private PoolTuningWiring() {}

  /**
   * The primary's pool: OLTP preset.
   *
   * @param jdbcUrl the primary's JDBC URL
   * @param user the user
   * @param password the password
   * @return a started pool (the caller closes it)
   */
  public static HikariDataSource primaryPool(String jdbcUrl, String user, String password) {
    return pool(PoolPreset.OLTP, "catalog-primary", jdbcUrl, user, password);
  }

  /**
   * The standby's pool: REPLICA preset (read-only connections).
   *
   * @param jdbcUrl the standby's JDBC URL
   * @param user the user
   * @param password the password
   * @return a pool (the caller closes it)
   */
  public static HikariDataSource standbyPool(String jdbcUrl, String user, String password) {
    return pool(PoolPreset.REPLICA, "catalog-standby", jdbcUrl, user, password);
  }

  private static HikariDataSource pool(
      PoolPreset preset, String name, String jdbcUrl, String user, String password) {
    return Pools.builder(preset, jdbcUrl)
        .credentials(user, password)
        .poolName(name)
        .databaseCores(DATABASE_CORES)
        .expectedConcurrency(EXPECTED_CONCURRENCY)
        .minimumIdle(1) // the demo is small; production keeps HikariCP's fixed-size default
        .build();
  }

  /**
   * Checks the pools against the server's own settings ({@code idle_session_timeout}, {@code
   * max_connections}…): a contradiction means connections would be cut or refused.
   *
   * @param instances how many service instances open these pools
   * @param pools pools on one server
   * @return the findings (logged at WARN as well)
   * @throws SQLException if the server's settings cannot be read
   */
  public static ServerSettingsCheck.Report check(int instances, HikariDataSource... pools)
      throws SQLException {
    ServerSettingsCheck.Builder b = ServerSettingsCheck.builder().instances(instances);
    for (HikariDataSource p : pools) {
      b.pool(p);
    }
    return b.build().run();
  }
}
