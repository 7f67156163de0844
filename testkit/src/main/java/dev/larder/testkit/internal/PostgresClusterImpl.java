package dev.larder.testkit.internal;

import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.PostgresServer;
import dev.larder.testkit.ReplicationLag;
import dev.larder.testkit.TestServerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Primary + standby, and the replication controls, the same in both tiers. */
public final class PostgresClusterImpl implements PostgresCluster {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresClusterImpl.class);
  private static final Duration CREATE_DATABASE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RECEIVER_TIMEOUT = Duration.ofSeconds(30);

  private final PostgresServerImpl primary;
  private final PostgresServerImpl standby;

  /** The standby's {@code primary_conninfo} while its WAL receiver is cut; null otherwise. */
  private volatile @Nullable String cutConninfo;

  /**
   * Pairs two running servers.
   *
   * @param primary the primary
   * @param standby the standby streaming from it
   */
  public PostgresClusterImpl(PostgresServerImpl primary, PostgresServerImpl standby) {
    this.primary = primary;
    this.standby = standby;
  }

  @Override
  public PostgresServer primary() {
    return primary;
  }

  @Override
  public PostgresServer standby() {
    return standby;
  }

  @Override
  public String createDatabase(String hint) {
    if (!primary.isRunning() || !standby.isRunning()) {
      throw new IllegalStateException(
          "createDatabase needs both servers running, but "
              + (primary.isRunning() ? standby.name() : primary.name())
              + " is stopped or paused; start or resume it first");
    }
    if (replayPaused()) {
      throw new IllegalStateException(
          "createDatabase needs WAL replay running on the standby, but it is paused;"
              + " call resumeReplay() first");
    }
    if (cutConninfo != null) {
      throw new IllegalStateException(
          "createDatabase needs the standby's WAL receiver, but it is cut;"
              + " call restoreWalReceiver() first");
    }
    String db = Names.databaseName(hint);
    execute(primary, "CREATE DATABASE \"" + db + "\"");
    boolean visible = Poll.until(CREATE_DATABASE_TIMEOUT, () -> databaseExists(standby, db));
    if (!visible) {
      throw new TestServerException(
          "database "
              + db
              + " was created on the primary but the standby did not show it within "
              + CREATE_DATABASE_TIMEOUT.toSeconds()
              + " s; lag: "
              + lag());
    }
    return db;
  }

  @Override
  public void pauseReplay() {
    execute(standby, "SELECT pg_wal_replay_pause()");
    LOG.info("larder-testkit: WAL replay paused on the standby");
  }

  @Override
  public void resumeReplay() {
    execute(standby, "SELECT pg_wal_replay_resume()");
    LOG.info("larder-testkit: WAL replay resumed on the standby");
  }

  @Override
  public synchronized void cutWalReceiver() {
    if (cutConninfo != null) {
      throw new IllegalStateException(
          "the standby's WAL receiver is already cut; call restoreWalReceiver() first");
    }
    String original = queryString(standby, "SELECT current_setting('primary_conninfo')");
    if (original.isBlank()) {
      throw new TestServerException(standby.name() + " has no primary_conninfo to cut");
    }
    execute(standby, "ALTER SYSTEM SET primary_conninfo = ''");
    execute(standby, "SELECT pg_reload_conf()");
    cutConninfo = original;
    if (!Poll.until(RECEIVER_TIMEOUT, () -> "none".equals(walReceiverStatus()))) {
      throw new TestServerException(
          "the standby's WAL receiver did not stop within "
              + RECEIVER_TIMEOUT.toSeconds()
              + " s after primary_conninfo was cleared; status: "
              + walReceiverStatus());
    }
    LOG.info(
        "larder-testkit: standby's WAL receiver cut (primary_conninfo cleared); it answers but receives nothing");
  }

  @Override
  public synchronized void restoreWalReceiver() {
    String original = cutConninfo;
    if (original == null) {
      return;
    }
    execute(standby, "ALTER SYSTEM SET primary_conninfo = '" + original.replace("'", "''") + "'");
    execute(standby, "SELECT pg_reload_conf()");
    cutConninfo = null;
    awaitStreaming(RECEIVER_TIMEOUT);
    LOG.info("larder-testkit: standby's WAL receiver restored; it streams again");
  }

  /**
   * The WAL receiver's status ({@code streaming}, {@code waiting}...), {@code none} without one.
   */
  private String walReceiverStatus() {
    try {
      return queryString(
          standby, "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')");
    } catch (TestServerException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  @Override
  public ReplicationLag lag() {
    // The primary first: reading the standby first would let the primary move on in between
    // and report a lag that never existed.
    String primaryLsn = queryString(primary, "SELECT pg_current_wal_lsn()::text");
    try (Connection c = standby.dataSource(PostgresServerImpl.DEFAULT_DATABASE).getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pg_last_wal_replay_lsn()::text,"
                    + " (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000000)::bigint")) {
      rs.next();
      String replayLsn = rs.getString(1);
      if (replayLsn == null) {
        throw new TestServerException(
            "the standby reports no replay LSN; is it still in recovery?");
      }
      long micros = rs.getLong(2);
      boolean noReplayYet = rs.wasNull();
      long bytes = Lsn.distance(primaryLsn, replayLsn);
      Duration delay =
          bytes == 0 || noReplayYet ? Duration.ZERO : Duration.ofNanos(Math.max(0, micros) * 1000);
      return new ReplicationLag(bytes, delay, primaryLsn, replayLsn);
    } catch (SQLException e) {
      throw new TestServerException(
          "cannot read the replay position from " + standby.name() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void awaitStandbyCaughtUp(Duration timeout) {
    long target = Lsn.parse(queryString(primary, "SELECT pg_current_wal_lsn()::text"));
    boolean caughtUp =
        Poll.until(
            timeout,
            () -> {
              String replay = replayLsnOrNull();
              return replay != null && Long.compareUnsigned(Lsn.parse(replay), target) >= 0;
            });
    if (!caughtUp) {
      throw new TestServerException(
          "the standby did not catch up within "
              + timeout
              + " (replay paused: "
              + replayPaused()
              + "); lag: "
              + lag());
    }
  }

  private @Nullable String replayLsnOrNull() {
    try {
      return queryString(standby, "SELECT pg_last_wal_replay_lsn()::text");
    } catch (TestServerException e) {
      return null;
    }
  }

  /**
   * Whether replay is paused on the standby.
   *
   * @return {@code pg_is_wal_replay_paused()}
   */
  public boolean replayPaused() {
    return "t"
        .equals(
            queryString(
                standby, "SELECT CASE WHEN pg_is_wal_replay_paused() THEN 't' ELSE 'f' END"));
  }

  /**
   * Waits until the standby's WAL receiver streams from the primary.
   *
   * @param timeout how long to wait
   * @throws TestServerException if it does not
   */
  public void awaitStreaming(Duration timeout) {
    boolean streaming = Poll.until(timeout, () -> "streaming".equals(walReceiverStatus()));
    if (!streaming) {
      throw new TestServerException(
          "the standby did not start streaming from the primary within " + timeout);
    }
  }

  private static boolean databaseExists(PostgresServerImpl server, String db) {
    try (Connection c = server.dataSource(PostgresServerImpl.DEFAULT_DATABASE).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      ps.setString(1, db);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      return false;
    }
  }

  private static void execute(PostgresServerImpl server, String sql) {
    try (Connection c = server.dataSource(PostgresServerImpl.DEFAULT_DATABASE).getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new TestServerException(server.name() + " failed '" + sql + "': " + e.getMessage(), e);
    }
  }

  private static String queryString(PostgresServerImpl server, String sql) {
    try (Connection c = server.dataSource(PostgresServerImpl.DEFAULT_DATABASE).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next() || rs.getString(1) == null) {
        throw new TestServerException(server.name() + " returned nothing for '" + sql + "'");
      }
      return rs.getString(1);
    } catch (SQLException e) {
      throw new TestServerException(server.name() + " failed '" + sql + "': " + e.getMessage(), e);
    }
  }
}
