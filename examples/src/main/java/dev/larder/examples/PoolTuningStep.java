package dev.larder.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.jdbc.PoolPreset;
import dev.larder.jdbc.ServerSettingsCheck;
import java.sql.SQLException;

/**
 * The pool-tuning step ({@link PoolTuningWiring}): opens the primary's pool from the OLTP preset
 * and the standby's from the REPLICA preset, then asks the server whether they fit.
 *
 * <p>Look at the printed formula: the pool size is {@code min(callers, 2 x cores + 1)}, not a
 * guess, and both pools come out the same size; then at the server check, which compares the
 * primary's pool (times the number of instances) with {@code max_connections} and {@code
 * idle_session_timeout} as the server reports them. Holds if both pools have the formula's size,
 * the standby's pool is read-only, and the check finds no contradiction. The pools stay open for
 * the later steps.
 */
final class PoolTuningStep {
  private final Catalog catalog;
  private final Console console;

  PoolTuningStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws SQLException {
    Servers servers = catalog.servers();
    HikariDataSource primary =
        PoolTuningWiring.primaryPool(servers.primaryUrl(), servers.user(), servers.password());
    catalog.closeAtEnd(primary);
    catalog.setPrimaryPool(primary);
    HikariDataSource standby =
        PoolTuningWiring.standbyPool(servers.standbyUrl(), servers.user(), servers.password());
    catalog.closeAtEnd(standby);
    catalog.setStandbyPool(standby);
    int expected =
        PoolPreset.OLTP.recommendedPoolSize(
            PoolTuningWiring.DATABASE_CORES, PoolTuningWiring.EXPECTED_CONCURRENCY);
    console.detail(
        "OLTP preset: maximumPoolSize = min(callers "
            + PoolTuningWiring.EXPECTED_CONCURRENCY
            + ", 2 x cores "
            + PoolTuningWiring.DATABASE_CORES
            + " + 1) = "
            + expected
            + "; primary pool "
            + primary.getMaximumPoolSize()
            + ", standby pool (REPLICA, read-only) "
            + standby.getMaximumPoolSize()
            + ", connectionTimeout "
            + primary.getConnectionTimeout()
            + " / "
            + standby.getConnectionTimeout()
            + " ms");

    // The primary's pool, as two instances of the service open it: its size counts twice.
    ServerSettingsCheck.Report report = PoolTuningWiring.check(2, primary);
    console.detail(
        "server reports max_connections "
            + report.server().maxConnections()
            + ", idle_session_timeout "
            + report.server().idleSessionTimeout()
            + "; findings for 2 instances: "
            + (report.findings().isEmpty() ? "none" : report.findings()));

    boolean held =
        primary.getMaximumPoolSize() == expected
            && standby.getMaximumPoolSize() == expected
            && standby.isReadOnly()
            && !report.hasContradictions();
    return new Evidence(
        held,
        "pools "
            + primary.getMaximumPoolSize()
            + "+"
            + standby.getMaximumPoolSize()
            + " = min(16, 2x2+1); server check: "
            + count(report, ServerSettingsCheck.Severity.CONTRADICTION)
            + " contradictions");
  }

  private static long count(
      ServerSettingsCheck.Report report, ServerSettingsCheck.Severity severity) {
    return report.findings().stream().filter(f -> f.severity() == severity).count();
  }
}
