package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.testkit.PostgresServer;
import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads on the primary through a pool of read-only sessions instead of a READ ONLY transaction. */
class PrimaryReadPoolIT {
  private static PgFixture pg;
  private HikariDataSource readPool;

  /** Where a read ran and how. */
  record Where(
      boolean onStandby, String transactionReadOnly, boolean autoCommit, int readPoolActive) {}

  @BeforeAll
  static void database() {
    pg = PgFixture.create("primary_read_pool");
    pg.primaryJdbi()
        .useHandle(h -> h.execute("CREATE TABLE item(id int PRIMARY KEY, name text NOT NULL)"));
    pg.primaryJdbi().useHandle(h -> h.execute("INSERT INTO item VALUES (1, 'old')"));
    pg.touchAndCatchUp();
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @BeforeEach
  void openReadPool() {
    readPool = readOnlyPool(pg.cluster.primary(), "primary-reads");
  }

  @AfterEach
  void restore() {
    try {
      pg.restore();
    } finally {
      readPool.close();
    }
  }

  private static HikariDataSource readOnlyPool(PostgresServer server, String name) {
    return Pools.builder(PoolPreset.OLTP, server.jdbcUrl(pg.database))
        .credentials(server.username(), server.password())
        .poolName(name)
        .maximumPoolSize(2)
        .minimumIdle(0)
        .readOnlySessions()
        .build();
  }

  /**
   * Background checks far apart (tests call checkNow), so none holds a read-pool connection
   * mid-test.
   */
  private ReplicaRouter router() {
    return pg.router(
        b ->
            b.primaryReadPool(readPool)
                .healthCheckInterval(Duration.ofMinutes(10))
                .maxReplayDelay(Duration.ofSeconds(30)));
  }

  private Where where(Handle h) throws Exception {
    return new Where(
        h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one(),
        h.createQuery("SELECT current_setting('transaction_read_only')").mapTo(String.class).one(),
        h.getConnection().getAutoCommit(),
        readPool.getHikariPoolMXBean().getActiveConnections());
  }

  private static String name() {
    return pg.primaryJdbi()
        .withHandle(
            h -> h.createQuery("SELECT name FROM item WHERE id = 1").mapTo(String.class).one());
  }

  @Test
  void readsOnThePrimaryRunInAutoCommitInTheReadOnlyPool() throws Exception {
    try (ReplicaRouter router = router()) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(router.primaryReadPoolInUse()).isTrue();
      assertThat(db.read(ReadIntent.strong(), this::where))
          .as("a STRONG read: on the primary, in auto-commit, on a read-pool connection")
          .isEqualTo(new Where(false, "on", true, 1));
      assertThat(
              db.write(
                      h ->
                          h.createQuery("SELECT current_setting('transaction_read_only')")
                              .mapTo(String.class)
                              .one())
                  .value())
          .as("writes keep the primary's own pool")
          .isEqualTo("off");
    }
  }

  @Test
  void aWriteInsideAReadFailsOnThePrimaryReadPool() throws Exception {
    try (ReplicaRouter router = router()) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(router.primaryReadPoolInUse()).isTrue();
      assertThatThrownBy(
              () ->
                  db.read(
                      ReadIntent.strong(),
                      h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
          .isInstanceOf(ReadOnlyViolationException.class)
          .hasMessageContaining("inside read() on primary");
      assertThat(name()).isEqualTo("old");
    }
  }

  @Test
  void readsGoToTheStandbyWhileHealthyAndToThePrimaryReadPoolWhileNot() throws Exception {
    pg.touchAndCatchUp();
    try (ReplicaRouter router =
        pg.router(
            b ->
                b.primaryReadPool(readPool)
                    .maxLagBytes(64 * 1024)
                    .healthCheckInterval(Duration.ofMinutes(10)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(router.replica(PgFixture.STANDBY).inRotation()).isTrue();
      assertThat(db.read(this::where).onStandby()).as("healthy standby serves the read").isTrue();

      pg.cluster.pauseReplay();
      pg.primaryJdbi()
          .useHandle(h -> h.execute("CREATE TABLE IF NOT EXISTS filler(id int, pad text)"));
      pg.primaryJdbi()
          .useHandle(
              h ->
                  h.execute(
                      "INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g"));
      router.checkNow();
      assertThat(router.replica(PgFixture.STANDBY).inRotation())
          .as("standby lags: out of rotation")
          .isFalse();
      assertThat(db.read(this::where))
          .as("falls back to the primary's read-only pool")
          .isEqualTo(new Where(false, "on", true, 1));
      assertThatThrownBy(
              () -> db.read(h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
          .isInstanceOf(ReadOnlyViolationException.class)
          .hasMessageContaining("inside read() on primary");

      pg.cluster.resumeReplay();
      pg.cluster.awaitStandbyCaughtUp(Duration.ofSeconds(30));
      router.checkNow();
      assertThat(db.read(this::where).onStandby()).as("back on the standby").isTrue();
    }
    assertThat(name()).isEqualTo("old");
  }

  @Test
  void whenTheReadPoolFailsReadsOnThePrimaryRunInAReadOnlyTransactionAndStillRefuseWrites()
      throws Exception {
    try (ReplicaRouter router = router()) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(router.primaryReadPoolInUse()).isTrue();
      readPool.close();
      router.checkNow();
      assertThat(router.primaryReadPoolInUse()).isFalse();
      String readOnly =
          db.read(
              ReadIntent.strong(),
              h ->
                  h.createQuery("SELECT current_setting('transaction_read_only')")
                      .mapTo(String.class)
                      .one());
      assertThat(readOnly).as("a READ ONLY transaction on the primary's pool").isEqualTo("on");
      assertThatThrownBy(
              () ->
                  db.read(
                      ReadIntent.strong(),
                      h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
          .isInstanceOf(ReadOnlyViolationException.class);
      assertThat(name()).isEqualTo("old");
    }
  }

  @Test
  void aReadPoolWhoseSessionsAreNotReadOnlyIsRefusedAtBuild() throws Exception {
    try (HikariDataSource writable =
        PgFixture.pool(PoolPreset.OLTP, pg.cluster.primary(), pg.database, "not-ro")) {
      assertThatThrownBy(() -> pg.router(b -> b.primaryReadPool(writable)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "primaryReadPool must reach the primary with read-only sessions"
                  + " (default_transaction_read_only=on) but transaction_read_only was off on a connection from it");
    }
  }

  @Test
  void aReadPoolOnTheStandbyIsRefusedAtBuild() throws Exception {
    try (HikariDataSource onStandby = readOnlyPool(pg.cluster.standby(), "ro-on-standby")) {
      assertThatThrownBy(() -> pg.router(b -> b.primaryReadPool(onStandby)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageEndingWith("but it reaches a server in recovery (a standby)");
    }
  }

  @Test
  void withoutAReadPoolPrimaryReadsStayInAReadOnlyTransaction() throws Exception {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(100)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(router.primaryReadPoolInUse()).isFalse();
      boolean inTransaction = db.read(ReadIntent.strong(), Handle::isInTransaction);
      assertThat(inTransaction).isTrue();
      assertThatThrownBy(
              () ->
                  db.read(
                      ReadIntent.strong(),
                      h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
          .isInstanceOf(ReadOnlyViolationException.class);
      assertThat(name()).isEqualTo("old");
    }
  }
}
