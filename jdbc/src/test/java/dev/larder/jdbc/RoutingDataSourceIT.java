package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RoutingDataSourceIT {
  private static PgFixture pg;
  private static ReplicaRouter router;
  private static RoutingDataSource ds;

  @BeforeAll
  static void start() {
    pg = PgFixture.create("routing_ds");
    router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(200))
                    .maxReplayDelay(Duration.ofSeconds(30)));
    ds = RoutingDataSource.create(router);
  }

  @AfterAll
  static void stop() {
    router.close();
    pg.close();
  }

  private static boolean inRecovery(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  @Test
  void readOnlyConnectionsGoToTheStandbyAndOthersToThePrimary() throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      assertThat(inRecovery(c)).isTrue();
      assertThat(RoutingDataSource.routedTo(c)).isEqualTo(PgFixture.STANDBY);
    }
    try (Connection c = ds.getConnection()) {
      assertThat(inRecovery(c)).isFalse();
      assertThat(RoutingDataSource.routedTo(c)).isEqualTo("primary");
    }
  }

  @Test
  void springStyleReadOnlyTransactionRoutesBecauseTheFlagIsSetBeforeFirstUse() throws SQLException {
    // the calls DataSourceTransactionManager.doBegin makes for @Transactional(readOnly = true):
    // getConnection, setReadOnly(true) (DataSourceUtils.prepareConnectionForTransaction), then
    // getAutoCommit / setAutoCommit(false); the statements; commit; then the reset on completion
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      assertThat(c.getAutoCommit()).isTrue();
      c.setAutoCommit(false);
      assertThat(RoutingDataSource.routedTo(c)).isNull();
      assertThat(inRecovery(c)).isTrue();
      assertThat(RoutingDataSource.routedTo(c)).isEqualTo(PgFixture.STANDBY);
      assertThat(c.getAutoCommit()).isFalse();
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
    }
    // with an isolation level, Spring reads the current one after setReadOnly: that takes the
    // physical connection early, but the flag is already known, so it still goes to the standby
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      int previous = c.getTransactionIsolation();
      assertThat(RoutingDataSource.routedTo(c)).isEqualTo(PgFixture.STANDBY);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setAutoCommit(false);
      assertThat(inRecovery(c)).isTrue();
      c.commit();
      c.setAutoCommit(true);
      c.setTransactionIsolation(previous);
      c.setReadOnly(false);
    }
    // @Transactional without readOnly: the primary
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      assertThat(inRecovery(c)).isFalse();
      c.rollback();
      c.setAutoCommit(true);
    }
  }

  @Test
  void connectionNeverUsedNeverTakesAPhysicalConnection() throws SQLException {
    var primary = pg.primaryPool.getHikariPoolMXBean();
    var replica = pg.replicaPool.getHikariPoolMXBean();
    int primaryTotal = primary.getTotalConnections();
    int replicaTotal = replica.getTotalConnections();
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      c.commit();
      c.rollback();
      assertThat(primary.getActiveConnections()).isZero();
      assertThat(replica.getActiveConnections()).isZero();
      assertThat(primary.getTotalConnections()).isEqualTo(primaryTotal);
      assertThat(replica.getTotalConnections()).isEqualTo(replicaTotal);
      assertThat(RoutingDataSource.routedTo(c)).isNull();
    }
    try (Connection c = ds.getConnection()) {
      c.setReadOnly(true);
      inRecovery(c);
      assertThat(replica.getActiveConnections())
          .as("the contrast: a used connection is active")
          .isEqualTo(1);
      assertThat(primary.getActiveConnections()).isZero();
    }
    assertThat(replica.getActiveConnections()).isZero();
  }

  /** Opens a read-only connection, uses it, and says where it went; the caller closes it. */
  private static Connection usedReadOnly(RoutingDataSource source) throws SQLException {
    Connection c = source.getConnection();
    c.setReadOnly(true);
    assertThat(inRecovery(c)).isTrue();
    return c;
  }

  @Test
  void readsAreSpreadRoundRobinOrToTheReplicaWithFewestInFlight() throws SQLException {
    // two replica pools on the one standby, so the choice between them is visible by name
    try (var a =
            PgFixture.pool(PoolPreset.REPLICA, pg.cluster.standby(), pg.database, "balance-a");
        var b =
            PgFixture.pool(PoolPreset.REPLICA, pg.cluster.standby(), pg.database, "balance-b")) {
      try (ReplicaRouter rr =
          ReplicaRouter.builder()
              .primary(pg.primaryPool)
              .replica("a", a)
              .replica("b", b)
              .maxReplayDelay(Duration.ofSeconds(30))
              .build()) {
        RoutingDataSource source = RoutingDataSource.create(rr);
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          try (Connection c = usedReadOnly(source)) {
            seen.add(RoutingDataSource.routedTo(c));
          }
        }
        assertThat(seen).containsAnyOf("a", "b").doesNotContain("primary");
        for (int i = 1; i < seen.size(); i++) {
          assertThat(seen.get(i))
              .as("round robin alternates: %s", seen)
              .isNotEqualTo(seen.get(i - 1));
        }
      }
      try (ReplicaRouter least =
          ReplicaRouter.builder()
              .primary(pg.primaryPool)
              .replica("a", a)
              .replica("b", b)
              .maxReplayDelay(Duration.ofSeconds(30))
              .balancing(ReplicaRouter.Balancing.LEAST_IN_FLIGHT)
              .build()) {
        RoutingDataSource source = RoutingDataSource.create(least);
        try (Connection busy = usedReadOnly(source)) {
          String held = RoutingDataSource.routedTo(busy);
          for (int i = 0; i < 3; i++) {
            try (Connection c = usedReadOnly(source)) {
              assertThat(RoutingDataSource.routedTo(c))
                  .as("read %d while %s holds one", i, held)
                  .isNotEqualTo(held);
            }
          }
          assertThat(least.replica(held).inFlight()).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void readYourWritesThroughTheDataSource() throws Exception {
    pg.cluster.pauseReplay();
    try {
      ConsistencyToken token;
      try (Connection c = ds.getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS note(body text)");
        s.execute("INSERT INTO note VALUES ('hello')");
        token = router.currentPosition();
      }
      long seen =
          RoutingDataSource.withReadIntent(
              ReadIntent.readYourWrites(token),
              () -> {
                try (Connection c = ds.getConnection()) {
                  c.setReadOnly(true);
                  try (Statement s = c.createStatement();
                      ResultSet rs =
                          s.executeQuery("SELECT count(*) FROM note WHERE body = 'hello'")) {
                    rs.next();
                    assertThat(RoutingDataSource.routedTo(c)).isEqualTo("primary");
                    return rs.getLong(1);
                  }
                }
              });
      assertThat(seen).isEqualTo(1);
    } finally {
      pg.cluster.resumeReplay();
    }
  }
}
