package dev.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@LarderTest
class PostgresClusterIT {

  private static final Duration CATCH_UP = Duration.ofSeconds(30);

  @Test
  void standbyIsInRecoveryAndShowsRowsWrittenOnThePrimary(PostgresCluster pg) throws SQLException {
    String db = pg.createDatabase("rowsFlow");
    update(pg.primary(), db, "CREATE TABLE item (id int PRIMARY KEY, name text)");

    assertThat(query(pg.standby(), db, "SELECT pg_is_in_recovery()::text")).contains("true");
    assertThat(query(pg.primary(), db, "SELECT pg_is_in_recovery()::text")).contains("false");
    String replayBefore =
        query(pg.standby(), db, "SELECT pg_last_wal_replay_lsn()::text").orElseThrow();

    update(pg.primary(), db, "INSERT INTO item VALUES (1, 'larder')");

    await()
        .atMost(CATCH_UP)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(query(pg.standby(), db, "SELECT name FROM item WHERE id = 1"))
                    .contains("larder"));
    String replayAfter =
        query(pg.standby(), db, "SELECT pg_last_wal_replay_lsn()::text").orElseThrow();
    assertThat(lsn(replayAfter)).isGreaterThan(lsn(replayBefore));
    assertThatThrownBy(() -> update(pg.standby(), db, "INSERT INTO item VALUES (2, 'nope')"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("read-only");
  }

  @Test
  void pausedReplayLagsMeasurablyAndCatchesUpAfterResume(PostgresCluster pg) throws SQLException {
    String db = pg.createDatabase("lag");
    update(pg.primary(), db, "CREATE TABLE event (id int PRIMARY KEY)");
    pg.awaitStandbyCaughtUp(CATCH_UP);

    pg.pauseReplay();
    try {
      for (int i = 1; i <= 3; i++) {
        update(pg.primary(), db, "INSERT INTO event VALUES (" + i + ")");
      }
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                ReplicationLag lag = pg.lag();
                assertThat(lag.bytes()).isPositive();
                assertThat(lag.replayDelay()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
              });
      assertThat(query(pg.standby(), db, "SELECT count(*)::text FROM event")).contains("0");
      assertThatThrownBy(() -> pg.createDatabase("whilePaused"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("paused");
      assertThatThrownBy(() -> pg.awaitStandbyCaughtUp(Duration.ofMillis(300)))
          .isInstanceOf(TestServerException.class)
          .hasMessageContaining("replay paused: true");
    } finally {
      pg.resumeReplay();
    }

    await()
        .atMost(CATCH_UP)
        .untilAsserted(
            () -> {
              ReplicationLag lag = pg.lag();
              assertThat(lag.bytes()).isZero();
              assertThat(lag.replayDelay()).isZero();
              assertThat(lag.caughtUp()).isTrue();
            });
    assertThat(query(pg.standby(), db, "SELECT count(*)::text FROM event")).contains("3");
  }

  @Test
  void stoppedPrimaryRefusesConnectionsAndTheStandbyStreamsAgainAfterRestart(PostgresCluster pg)
      throws SQLException {
    String db = pg.createDatabase("primaryRestart");
    update(pg.primary(), db, "CREATE TABLE kv (k text PRIMARY KEY, v text)");
    update(pg.primary(), db, "INSERT INTO kv VALUES ('kept', 'yes')");
    pg.awaitStandbyCaughtUp(CATCH_UP);
    String url = pg.primary().jdbcUrl(db);

    pg.primary().stop();
    try {
      assertThat(pg.primary().isRunning()).isFalse();
      assertThatThrownBy(() -> pg.primary().dataSource(db).getConnection().close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("refused");
      // The hot standby keeps serving reads while its primary is down.
      assertThat(query(pg.standby(), db, "SELECT v FROM kv WHERE k = 'kept'")).contains("yes");
    } finally {
      pg.primary().start();
    }

    assertThat(pg.primary().jdbcUrl(db)).isEqualTo(url);
    assertThat(query(pg.primary(), db, "SELECT v FROM kv WHERE k = 'kept'")).contains("yes");
    update(pg.primary(), db, "INSERT INTO kv VALUES ('new', 'after restart')");
    await()
        .atMost(CATCH_UP)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(query(pg.standby(), db, "SELECT v FROM kv WHERE k = 'new'"))
                    .contains("after restart"));
  }

  @Test
  void stoppedStandbyCatchesUpWithWritesMadeWhileItWasDown(PostgresCluster pg) throws SQLException {
    String db = pg.createDatabase("standbyRestart");
    update(pg.primary(), db, "CREATE TABLE n (i int)");
    pg.awaitStandbyCaughtUp(CATCH_UP);

    pg.standby().stop();
    try {
      assertThatThrownBy(() -> pg.standby().dataSource(db).getConnection().close())
          .isInstanceOf(SQLException.class);
      update(pg.primary(), db, "INSERT INTO n VALUES (42)");
    } finally {
      pg.standby().start();
    }

    await()
        .atMost(CATCH_UP)
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(query(pg.standby(), db, "SELECT i::text FROM n")).contains("42"));
    assertThat(query(pg.standby(), db, "SELECT pg_is_in_recovery()::text")).contains("true");
  }

  @Test
  void pausedStandbyLeavesAClientHangingUntilItsTimeoutAndAnswersAfterResume(PostgresCluster pg)
      throws SQLException {
    PostgresServer standby = pg.standby();
    try (Connection c =
        DriverManager.getConnection(
            standby.jdbcUrl() + "?socketTimeout=1", standby.username(), standby.password())) {
      assertThat(c.isValid(2)).isTrue();
      standby.pause();
      try {
        assertThat(standby.isRunning()).isFalse();
        assertThatThrownBy(() -> c.createStatement().execute("SELECT 1"))
            .isInstanceOf(SQLException.class)
            .hasRootCauseInstanceOf(SocketTimeoutException.class);
      } finally {
        standby.resume();
      }
    }
    assertThat(standby.isRunning()).isTrue();
    await()
        .atMost(CATCH_UP)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(query(standby, "postgres", "SELECT pg_is_in_recovery()::text"))
                    .contains("true"));
  }

  @Test
  void cutWalReceiverKeepsTheStandbyAnsweringButStopsReplicationUntilRestored(PostgresCluster pg)
      throws SQLException {
    String db = pg.createDatabase("cutReceiver");
    update(pg.primary(), db, "CREATE TABLE item (id int PRIMARY KEY, name text)");
    pg.awaitStandbyCaughtUp(CATCH_UP);
    String conninfo =
        query(pg.standby(), db, "SELECT current_setting('primary_conninfo')").orElseThrow();

    pg.cutWalReceiver();
    try {
      // The standby still runs, in recovery, and answers; it just has no WAL receiver.
      assertThat(query(pg.standby(), db, "SELECT pg_is_in_recovery()::text")).contains("true");
      assertThat(query(pg.standby(), db, "SELECT count(*)::text FROM pg_stat_wal_receiver"))
          .contains("0");
      assertThat(query(pg.standby(), db, "SELECT current_setting('primary_conninfo')"))
          .contains("");
      update(pg.primary(), db, "INSERT INTO item VALUES (1, 'written while cut off')");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(pg.lag().bytes()).isPositive());
      assertThat(query(pg.standby(), db, "SELECT count(*)::text FROM item")).contains("0");
      assertThatThrownBy(pg::cutWalReceiver)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already cut");
      assertThatThrownBy(() -> pg.createDatabase("whileCut"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("restoreWalReceiver()");
    } finally {
      pg.restoreWalReceiver();
    }
    assertThat(query(pg.standby(), db, "SELECT status FROM pg_stat_wal_receiver"))
        .contains("streaming");
    assertThat(query(pg.standby(), db, "SELECT current_setting('primary_conninfo')"))
        .contains(conninfo);
    await()
        .atMost(CATCH_UP)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(query(pg.standby(), db, "SELECT name FROM item WHERE id = 1"))
                    .contains("written while cut off"));
    pg.restoreWalReceiver(); // idempotent: nothing to restore
  }

  @Test
  void createdDatabasesAreFreshAndExistOnBothServers(PostgresCluster pg) throws SQLException {
    String a = pg.createDatabase("Fresh-DB");
    String b = pg.createDatabase("Fresh-DB");
    assertThat(a).isNotEqualTo(b).startsWith("fresh_db_").hasSizeLessThanOrEqualTo(63);
    assertThat(pg.primary().jdbcUrl(a))
        .isEqualTo(
            "jdbc:postgresql://" + pg.primary().host() + ":" + pg.primary().port() + "/" + a);
    assertThat(pg.standby().port()).isNotEqualTo(pg.primary().port());
    assertThat(query(pg.standby(), b, "SELECT current_database()")).contains(b);
    assertThat(
            query(
                pg.primary(),
                a,
                "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'"))
        .contains("0");
  }

  private static long lsn(String lsn) {
    int slash = lsn.indexOf('/');
    return (Long.parseLong(lsn.substring(0, slash), 16) << 32)
        | Long.parseLong(lsn.substring(slash + 1), 16);
  }

  private static void update(PostgresServer server, String db, String sql) throws SQLException {
    try (Connection c = server.dataSource(db).getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static Optional<String> query(PostgresServer server, String db, String sql)
      throws SQLException {
    try (Connection c = server.dataSource(db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
    }
  }
}
