package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MigrationsIT {
  private static PgFixture pg;
  private static ReplicaRouter router;

  @BeforeAll
  static void start() {
    pg = PgFixture.create("migrations");
    router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofSeconds(30)));
  }

  @AfterAll
  static void stop() {
    try {
      pg.restore();
    } finally {
      router.close();
      pg.close();
    }
  }

  /** Runs {@code SELECT * FROM widget} often enough to be a server-side prepared statement. */
  private static int backendAfterPreparedSelects(Connection c) throws SQLException {
    for (int i = 0; i < 6; i++) {
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM widget ORDER BY id");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rs.getString(2);
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void migratesOnThePrimaryRecyclesPooledConnectionsAndHoldsBackLateReplicas() throws SQLException {
    Migrations.Result first =
        Migrations.builder(router)
            .locations("classpath:db/larder-it/v1")
            .awaitReplicas(Duration.ofSeconds(30))
            .migrate();
    assertThat(first.migrationsExecuted()).isEqualTo(1);
    assertThat(first.lateReplicas()).isEmpty();
    assertThat(first.evictedPools()).isEqualTo(2);
    RoutingJdbi db = RoutingJdbi.create(router);
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(() -> router.replica(PgFixture.STANDBY).inRotation());
    int onStandby =
        db.read(
            h ->
                h.createQuery("SELECT count(*) FROM widget WHERE pg_is_in_recovery()")
                    .mapTo(Integer.class)
                    .one());
    assertThat(onStandby).isEqualTo(2);

    // a pooled connection with a cached plan for SELECT * on the old shape
    int before;
    try (Connection c = pg.primaryPool.getConnection()) {
      before = backendAfterPreparedSelects(c);
    }

    pg.cluster.pauseReplay();
    Migrations.Result second;
    try {
      second =
          Migrations.builder(router)
              .locations("classpath:db/larder-it/v2")
              .awaitReplicas(Duration.ofMillis(500))
              .migrate();
      assertThat(second.migrationsExecuted()).isEqualTo(1);
      assertThat(second.lateReplicas()).containsExactly(PgFixture.STANDBY);
      // the standby has not replayed the new column: reads must not go there
      String colour =
          db.read(
              h ->
                  h.createQuery("SELECT colour FROM widget WHERE id = 1")
                      .mapTo(String.class)
                      .one());
      assertThat(colour).isEqualTo("grey");
      await()
          .atMost(10, TimeUnit.SECONDS)
          .until(
              () ->
                  router.replica(PgFixture.STANDBY).state()
                      == ReplicaStatus.State.BEHIND_REQUIRED_POSITION);
    } finally {
      pg.cluster.resumeReplay();
    }
    await()
        .atMost(30, TimeUnit.SECONDS)
        .until(() -> router.replica(PgFixture.STANDBY).inRotation());
    String colourOnStandby =
        db.read(
            h ->
                h.createQuery("SELECT colour FROM widget WHERE id = 2 AND pg_is_in_recovery()")
                    .mapTo(String.class)
                    .one());
    assertThat(colourOnStandby).isEqualTo("grey");

    // the pool was soft-evicted: the same query runs on a fresh backend, no "cached plan must not
    // change result type"
    try (Connection c = pg.primaryPool.getConnection()) {
      int after = backendAfterPreparedSelects(c);
      assertThat(after).isNotEqualTo(before);
    }
    assertThat(second.position()).isNotNull();
    assertThat(second.position().isAtOrAfter(first.position())).isTrue();
    assertThat(first.targetVersion()).isEqualTo("1");
    assertThat(second.targetVersion()).isEqualTo("2");

    // nothing left to run: the result still says which version the schema is at
    Migrations.Result again =
        Migrations.builder(router).locations("classpath:db/larder-it/v2").migrate();
    assertThat(again.migrationsExecuted()).isZero();
    assertThat(again.targetVersion()).isEqualTo("2");
  }
}
