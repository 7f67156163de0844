package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoutingJdbiIT {
  private static PgFixture pg;
  private ReplicaRouter router;
  private RoutingJdbi db;

  /** A row and where it was read. */
  record Seen(String name, boolean onStandby) {}

  @BeforeAll
  static void database() {
    pg = PgFixture.create("routing_jdbi");
    pg.primaryJdbi()
        .useHandle(h -> h.execute("CREATE TABLE item(id int PRIMARY KEY, name text NOT NULL)"));
    pg.touchAndCatchUp();
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @BeforeEach
  void resetRow() {
    pg.primaryJdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO item VALUES (1, 'old') ON CONFLICT (id) DO UPDATE SET name = 'old'"));
    pg.touchAndCatchUp();
    router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofSeconds(30)));
    db = RoutingJdbi.create(router);
  }

  @AfterEach
  void closeRouter() {
    try {
      pg.restore();
    } finally {
      router.close();
    }
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  private static Seen item(Handle h) {
    String name = h.createQuery("SELECT name FROM item WHERE id = 1").mapTo(String.class).one();
    return new Seen(name, inRecovery(h));
  }

  @Test
  void readsRunOnTheStandbyAndWritesOnThePrimary() {
    assertThat(router.replica(PgFixture.STANDBY).inRotation()).isTrue();
    assertThat(db.read(RoutingJdbiIT::inRecovery)).as("pg_is_in_recovery() inside read").isTrue();
    assertThat(db.write(RoutingJdbiIT::inRecovery).value())
        .as("pg_is_in_recovery() inside write")
        .isFalse();
    assertThat(db.inTransaction(RoutingJdbiIT::inRecovery).value())
        .as("inside inTransaction")
        .isFalse();
    assertThat(db.read(ReadIntent.strong(), RoutingJdbiIT::inRecovery)).as("STRONG read").isFalse();
  }

  @Test
  void writeInsideReadFailsClearlyOnTheStandbyAndOnThePrimary() {
    assertThatThrownBy(
            () -> db.read(h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
        .isInstanceOf(ReadOnlyViolationException.class)
        .hasMessageContaining("inside read() on standby")
        .hasMessageContaining("use write()");
    assertThatThrownBy(
            () ->
                db.read(
                    ReadIntent.strong(),
                    h -> h.execute("UPDATE item SET name = 'sneaky' WHERE id = 1")))
        .isInstanceOf(ReadOnlyViolationException.class)
        .hasMessageContaining("inside read() on primary");
    assertThat(db.read(ReadIntent.strong(), RoutingJdbiIT::item).name()).isEqualTo("old");
  }

  @Test
  void readYourWritesFallsBackToThePrimaryWhileReplayIsPausedAndPlainReadsSeeTheOldRow() {
    ReplicaRouter noWait =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofSeconds(30))
                    .readYourWritesWait(Duration.ZERO));
    try {
      RoutingJdbi ryw = RoutingJdbi.create(noWait);
      pg.cluster.pauseReplay();
      Written<Integer> w = ryw.write(h -> h.execute("UPDATE item SET name = 'new' WHERE id = 1"));
      long before = noWait.readYourWritesFallbacks();

      Seen withToken = ryw.read(ReadIntent.readYourWrites(w.token()), RoutingJdbiIT::item);
      Seen withoutToken = ryw.read(RoutingJdbiIT::item);

      assertThat(withToken).isEqualTo(new Seen("new", false));
      assertThat(withoutToken).isEqualTo(new Seen("old", true));
      assertThat(noWait.readYourWritesFallbacks() - before).isEqualTo(1);
      System.out.printf(
          "RYW fallbacks (replay paused, wait 0): %d for 1 read with a token%n",
          noWait.readYourWritesFallbacks() - before);
    } finally {
      pg.cluster.resumeReplay();
      noWait.close();
    }
  }

  @Test
  void everyReadWithItsWritesTokenSeesTheWriteUnderLiveReplication() {
    // default wait (50 ms): a read goes to the standby once it has replayed, else to the primary
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReplicaRouter live =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofSeconds(30))
                    .meterRegistry(registry));
    try {
      RoutingJdbi ryw = RoutingJdbi.create(live);
      int rounds = 20;
      int onStandby = 0;
      long before = live.readYourWritesFallbacks();
      for (int i = 0; i < rounds; i++) {
        String name = "round-" + i;
        Written<Integer> w =
            ryw.write(h -> h.execute("UPDATE item SET name = ? WHERE id = 1", name));
        Seen seen = ryw.read(ReadIntent.readYourWrites(w.token()), RoutingJdbiIT::item);
        assertThat(seen.name())
            .as("round %d read on %s", i, seen.onStandby() ? "standby" : "primary")
            .isEqualTo(name);
        onStandby += seen.onStandby() ? 1 : 0;
      }
      long fallbacks = live.readYourWritesFallbacks() - before;
      assertThat(fallbacks).isEqualTo(rounds - onStandby);
      double waited =
          registry
              .counter(
                  "larder.jdbc.reads",
                  "route",
                  "replica",
                  "intent",
                  "READ_YOUR_WRITES",
                  "reason",
                  "waited")
              .count();
      System.out.printf(
          "RYW fallbacks (live replication, wait 50 ms): %d of %d reads; %d served by the standby"
              + " (%.0f of them after waiting for replay)%n",
          fallbacks, rounds, onStandby, waited);
    } finally {
      live.close();
    }
  }

  @Test
  void readYourWritesWaitsForTheStandbyToReplayWhenAllowed() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (var replica =
            PgFixture.pool(PoolPreset.REPLICA, pg.cluster.standby(), pg.database, "ryw-wait");
        ReplicaRouter waiting =
            ReplicaRouter.builder()
                .primary(pg.primaryPool)
                .replica("standby", replica)
                .healthCheckInterval(Duration.ofMillis(100))
                .maxReplayDelay(Duration.ofSeconds(30))
                .readYourWritesWait(Duration.ofSeconds(20))
                .meterRegistry(registry)
                .build()) {
      RoutingJdbi ryw = RoutingJdbi.create(waiting);
      pg.cluster.pauseReplay();
      Written<Integer> w = ryw.write(h -> h.execute("UPDATE item SET name = 'new' WHERE id = 1"));
      long fallbacksBefore = waiting.readYourWritesFallbacks();

      CompletableFuture<Seen> read =
          CompletableFuture.supplyAsync(
              () -> ryw.read(ReadIntent.readYourWrites(w.token()), RoutingJdbiIT::item));
      // the read polls the standby's replay position while it waits: see it do so, then resume
      await().atMost(15, TimeUnit.SECONDS).until(() -> standbyShowsProbe("ryw-wait"));
      pg.cluster.resumeReplay();

      assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(new Seen("new", true));
      assertThat(waiting.readYourWritesFallbacks()).isEqualTo(fallbacksBefore);
      assertThat(
              registry
                  .counter(
                      "larder.jdbc.reads",
                      "route",
                      "replica",
                      "intent",
                      "READ_YOUR_WRITES",
                      "reason",
                      "waited")
                  .count())
          .isEqualTo(1.0);
    } finally {
      pg.cluster.resumeReplay();
    }
  }

  private static boolean standbyShowsProbe(String applicationName) {
    try (var c = pg.cluster.standby().dataSource(pg.database).getConnection();
        var ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                    + " AND query = 'SELECT pg_last_wal_replay_lsn()::text'")) {
      ps.setString(1, applicationName);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    } catch (java.sql.SQLException e) {
      return false;
    }
  }

  @Test
  void sessionCarriesTheTokenThroughAHeader() {
    pg.cluster.pauseReplay();
    try {
      ConsistencySession first = ConsistencySession.create();
      db.write(first, h -> h.execute("UPDATE item SET name = 'via-header' WHERE id = 1"));
      String header = first.toHeader();
      assertThat(header).startsWith("pg1:");

      ConsistencySession nextRequest = ConsistencySession.fromHeader(header);
      assertThat(db.read(nextRequest, RoutingJdbiIT::item).name()).isEqualTo("via-header");
      assertThat(db.read(ConsistencySession.create(), RoutingJdbiIT::item).name()).isEqualTo("old");
    } finally {
      pg.cluster.resumeReplay();
    }
  }

  @Test
  void tokenFromAnotherClusterIsRejected() {
    ConsistencyToken mine =
        db.write(h -> h.execute("UPDATE item SET name = 'x' WHERE id = 1")).token();
    ConsistencyToken foreign =
        ConsistencyToken.of(mine.systemIdentifier() + 1, mine.timeline(), mine.lsn());
    assertThatThrownBy(() -> db.read(ReadIntent.readYourWrites(foreign), RoutingJdbiIT::item))
        .isInstanceOf(ForeignClusterTokenException.class)
        .hasMessageContaining("another cluster")
        .hasMessageContaining(Long.toUnsignedString(mine.systemIdentifier()));
    assertThat(ConsistencyToken.parse(mine.toHeader())).isEqualTo(mine);
  }

  @Test
  void laggingStandbyLeavesRotationAndComesBack() {
    ReplicaRouter lagAware =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofSeconds(1)));
    try {
      RoutingJdbi lagDb = RoutingJdbi.create(lagAware);
      assertThat(lagDb.read(RoutingJdbiIT::inRecovery)).isTrue();

      pg.cluster.pauseReplay();
      long paused = System.nanoTime();
      lagDb.write(h -> h.execute("UPDATE item SET name = 'during-lag' WHERE id = 1"));
      await()
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> lagAware.replica(PgFixture.STANDBY).state() == ReplicaStatus.State.LAGGING);
      long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - paused);

      long fallbacks = lagAware.primaryFallbacks();
      assertThat(lagDb.read(RoutingJdbiIT::item)).isEqualTo(new Seen("during-lag", false));
      assertThat(lagAware.primaryFallbacks()).isEqualTo(fallbacks + 1);

      pg.cluster.resumeReplay();
      long resumed = System.nanoTime();
      await()
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> lagAware.replica(PgFixture.STANDBY).inRotation());
      long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
      assertThat(lagDb.read(RoutingJdbiIT::item)).isEqualTo(new Seen("during-lag", true));
      System.out.printf(
          "lag detection: out of rotation %d ms after pause+write (maxReplayDelay 1 s,"
              + " interval 100 ms); back in rotation %d ms after resume%n",
          detectedMs, backMs);
    } finally {
      pg.cluster.resumeReplay();
      lagAware.close();
    }
  }

  @Test
  void boundedStalenessReadsGoToTheStandbyOnlyWhileItIsWithinTheBound() {
    pg.cluster.pauseReplay();
    try {
      db.write(h -> h.execute("UPDATE item SET name = 'fresh' WHERE id = 1"));
      // the router's own bound is 30 s, so the standby stays in rotation for ANY reads
      await()
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> router.replica(PgFixture.STANDBY).replayDelay().toMillis() > 300);
      assertThat(router.replica(PgFixture.STANDBY).inRotation()).isTrue();

      assertThat(db.read(ReadIntent.boundedStaleness(Duration.ofMillis(300)), RoutingJdbiIT::item))
          .isEqualTo(new Seen("fresh", false));
      assertThat(db.read(ReadIntent.boundedStaleness(Duration.ofHours(1)), RoutingJdbiIT::item))
          .isEqualTo(new Seen("old", true));
      assertThat(db.read(ReadIntent.any(), RoutingJdbiIT::item)).isEqualTo(new Seen("old", true));
    } finally {
      pg.cluster.resumeReplay();
    }
  }

  @Test
  void standbyBehindByMoreBytesThanTheBoundLeavesRotation() {
    ReplicaRouter byBytes =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .maxReplayDelay(Duration.ofMinutes(5))
                    .maxLagBytes(64 * 1024));
    try {
      assertThat(byBytes.replica(PgFixture.STANDBY).inRotation()).isTrue();
      pg.cluster.pauseReplay();
      long paused = System.nanoTime();
      // about 1 MB of WAL
      pg.primaryJdbi()
          .useHandle(
              h ->
                  h.execute(
                      "CREATE TABLE IF NOT EXISTS filler AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 10000) g"));
      await()
          .atMost(30, TimeUnit.SECONDS)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> byBytes.replica(PgFixture.STANDBY).state() == ReplicaStatus.State.LAGGING);
      long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - paused);
      assertThat(byBytes.replica(PgFixture.STANDBY).lagBytes()).isGreaterThan(64 * 1024);
      assertThat(byBytes.replica(PgFixture.STANDBY).detail()).contains("> maxLagBytes 65536");
      System.out.printf(
          "byte-lag detection: out of rotation %d ms after pause+1MB write (maxLagBytes 64 KiB,"
              + " interval 100 ms)%n",
          detectedMs);
    } finally {
      pg.cluster.resumeReplay();
      byBytes.close();
    }
  }
}
