package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Wiring mistakes a router must refuse or survive, against the real primary and standby. */
class RouterInputIT {
  private static PgFixture pg;

  @BeforeAll
  static void database() {
    pg = PgFixture.create("router_input");
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  /** A replica-preset pool that, by mistake, points at the primary. */
  private static HikariDataSource poolOnThePrimary(String name) {
    return PgFixture.pool(PoolPreset.REPLICA, pg.cluster.primary(), pg.database, name);
  }

  private static ReplicaRouter.Builder routerOver(HikariDataSource notAStandby) {
    return ReplicaRouter.builder().primary(pg.primaryPool).replica("not-a-standby", notAStandby);
  }

  @Test
  void aPrimaryPoolThatReachesTheStandbyIsRefusedAtBuild() {
    assertThatThrownBy(() -> ReplicaRouter.builder().primary(pg.replicaPool).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "primary must be a server out of recovery but pg_is_in_recovery() is true");
  }

  @Test
  void aReplicaPoolThatReachesThePrimaryIsKeptOutOfRotation() {
    try (HikariDataSource notAStandby = poolOnThePrimary("router-input-wrong-role");
        ReplicaRouter router =
            routerOver(notAStandby).healthCheckInterval(Duration.ofMillis(200)).build()) {
      ReplicaStatus status = router.replica("not-a-standby");
      assertThat(status.state()).isEqualTo(ReplicaStatus.State.WRONG_ROLE);
      assertThat(status.detail()).contains("pg_is_in_recovery() is false");

      long fallbacks = router.primaryFallbacks();
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(db.read(RouterInputIT::inRecovery)).isFalse();
      assertThat(router.primaryFallbacks()).isEqualTo(fallbacks + 1);
      // a read still runs read-only on the primary it fell back to
      assertThatThrownBy(() -> db.read(h -> h.execute("CREATE TABLE sneaky(id int)")))
          .isInstanceOf(ReadOnlyViolationException.class)
          .hasMessageContaining("on primary");
    }
  }

  @Test
  void withTheFailPolicyAReadWithoutAnEligibleReplicaFailsTyped() {
    try (HikariDataSource notAStandby = poolOnThePrimary("router-input-fail");
        ReplicaRouter router =
            routerOver(notAStandby).whenNoReplica(ReplicaRouter.NoReplicaPolicy.FAIL).build()) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThatThrownBy(() -> db.read(RouterInputIT::inRecovery))
          .isInstanceOf(NoEligibleReplicaException.class)
          .hasMessageContaining("intent ANY")
          .hasMessageContaining("not-a-standby=WRONG_ROLE");
      // STRONG reads are not replica reads: they still run
      assertThat(db.read(ReadIntent.strong(), RouterInputIT::inRecovery)).isFalse();
      assertThat(router.primaryFallbacks()).isZero();
    }
  }

  @Test
  void aTokenFromAnotherClusterIsRefusedByTheRouterAndTheDataSource() throws Exception {
    try (ReplicaRouter router = pg.router(b -> {})) {
      ConsistencyToken mine = router.currentPosition();
      // same LSN and timeline, another system identifier: what a token minted by a second cluster
      // looks like
      ConsistencyToken foreign =
          ConsistencyToken.of(mine.systemIdentifier() ^ 0x5a5a, mine.timeline(), mine.lsn());
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThatThrownBy(
              () -> db.read(ReadIntent.readYourWrites(foreign), RouterInputIT::inRecovery))
          .isInstanceOf(ForeignClusterTokenException.class)
          .hasMessageContaining(Long.toUnsignedString(foreign.systemIdentifier()))
          .hasMessageContaining(Long.toUnsignedString(mine.systemIdentifier()));
      RoutingDataSource ds = RoutingDataSource.create(router);
      assertThatThrownBy(
              () ->
                  RoutingDataSource.withReadIntent(
                      ReadIntent.readYourWrites(foreign),
                      () -> {
                        try (var c = ds.getConnection()) {
                          c.setReadOnly(true);
                          return c.createStatement().execute("SELECT 1");
                        }
                      }))
          .isInstanceOf(ForeignClusterTokenException.class);
      assertThatThrownBy(() -> router.requireReplayed(foreign))
          .isInstanceOf(ForeignClusterTokenException.class);
      assertThatThrownBy(() -> ConsistencySession.fromHeader(mine.toHeader()).observe(foreign))
          .isInstanceOf(ForeignClusterTokenException.class);
    }
  }
}
