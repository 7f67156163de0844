package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
    router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(200)).maxReplayDelay(Duration.ofSeconds(30)));
    ds = RoutingDataSource.create(router);
  }

  @AfterAll
  static void stop() {
    router.close();
    pg.close();
  }

  private static boolean inRecovery(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
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
    // the order DataSourceTransactionManager uses for @Transactional(readOnly = true)
    try (Connection c = ds.getConnection()) {
      assertThat(c.getAutoCommit()).isTrue();
      c.setAutoCommit(false);
      c.setReadOnly(true);
      assertThat(RoutingDataSource.routedTo(c)).isNull();
      assertThat(inRecovery(c)).isTrue();
      assertThat(c.getAutoCommit()).isFalse();
      c.commit();
      c.setAutoCommit(true);
      c.setReadOnly(false);
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
      assertThat(replica.getActiveConnections()).as("the contrast: a used connection is active").isEqualTo(1);
      assertThat(primary.getActiveConnections()).isZero();
    }
    assertThat(replica.getActiveConnections()).isZero();
  }

  @Test
  void readYourWritesThroughTheDataSource() throws Exception {
    pg.cluster.pauseReplay();
    try {
      ConsistencyToken token;
      try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS note(body text)");
        s.execute("INSERT INTO note VALUES ('hello')");
        token = router.currentPosition();
      }
      long seen = RoutingDataSource.withIntent(ReadIntent.readYourWrites(token), () -> {
        try (Connection c = ds.getConnection()) {
          c.setReadOnly(true);
          try (Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT count(*) FROM note WHERE body = 'hello'")) {
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
