package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.resilience.FailureClassifiers;
import dev.larder.resilience.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FailoverIT {
  private static PgFixture pg;

  @BeforeAll
  static void database() {
    pg = PgFixture.create("failover");
    pg.primaryJdbi()
        .useHandle(h -> h.execute("CREATE TABLE item(id int PRIMARY KEY, name text NOT NULL)"));
    pg.primaryJdbi().useHandle(h -> h.execute("INSERT INTO item VALUES (1, 'one')"));
    pg.touchAndCatchUp();
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @AfterEach
  void restoreCluster() {
    pg.restore();
    pg.cluster.awaitStandbyCaughtUp(Duration.ofSeconds(60));
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  @Test
  void readsContinueOnThePrimaryWhileTheStandbyIsStoppedAndReturnToItAfterRestart() {
    try (ReplicaRouter router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(200))
                    .maxReplayDelay(Duration.ofSeconds(30)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      // warm the replica pool so the stop kills connections it holds
      assertThat(db.read(FailoverIT::inRecovery)).isTrue();
      try {
        pg.cluster.standby().stop();
        // first reads may meet the dead pooled connections: they must move to the primary, not fail
        for (int i = 0; i < 5; i++) {
          assertThat(db.read(FailoverIT::inRecovery))
              .as("read %d with the standby stopped", i)
              .isFalse();
        }
        // the background check sees it too, not only the failed read
        await()
            .atMost(30, TimeUnit.SECONDS)
            .until(
                () -> {
                  ReplicaStatus s = router.replica(PgFixture.STANDBY);
                  return s.state() == ReplicaStatus.State.DOWN
                      && s.detail().startsWith("unreachable");
                });
        assertThat(db.read(FailoverIT::inRecovery))
            .as("read with the standby known down")
            .isFalse();
      } finally {
        pg.cluster.standby().start();
      }
      await()
          .atMost(60, TimeUnit.SECONDS)
          .until(() -> router.replica(PgFixture.STANDBY).inRotation());
      assertThat(db.read(FailoverIT::inRecovery)).isTrue();
    }
  }

  @Test
  void aFrozenStandbyLeavesRotationWithinTheCheckTimeoutAndReadsGoToThePrimary() {
    // the replica pool's socket timeout is 30 s: only the check's own timeout can find a frozen
    // server sooner
    try (ReplicaRouter router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(200))
                    .healthCheckTimeout(Duration.ofSeconds(1))
                    .maxReplayDelay(Duration.ofSeconds(30)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(db.read(FailoverIT::inRecovery)).isTrue();
      long frozenMs;
      long fallbacks;
      try {
        pg.cluster.standby().pause();
        long paused = System.nanoTime();
        await()
            .atMost(15, TimeUnit.SECONDS)
            .pollInterval(Duration.ofMillis(20))
            .until(() -> router.replica(PgFixture.STANDBY).state() == ReplicaStatus.State.DOWN);
        frozenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - paused);
        fallbacks = router.primaryFallbacks();
        assertThat(db.read(FailoverIT::inRecovery)).as("read with the standby frozen").isFalse();
        assertThat(router.primaryFallbacks()).isEqualTo(fallbacks + 1);
      } finally {
        pg.cluster.standby().resume();
      }
      await()
          .atMost(60, TimeUnit.SECONDS)
          .until(() -> router.replica(PgFixture.STANDBY).inRotation());
      assertThat(db.read(FailoverIT::inRecovery)).isTrue();
      System.out.printf(
          "frozen standby: out of rotation %d ms after SIGSTOP/docker pause (check every 200 ms,"
              + " check timeout 1 s, pool socket timeout 30 s)%n",
          frozenMs);
    }
  }

  @Test
  void transactionCutByAPrimaryRestartIsClassifiedAndRetriedOnRecovery() throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    RetryPolicy policy =
        RetryPolicy.builder("failover-it")
            .maxAttempts(60)
            .initialInterval(Duration.ofMillis(100))
            .maxInterval(Duration.ofMillis(500))
            .deadline(Duration.ofSeconds(60))
            .build();
    policy.retry().getEventPublisher().onRetry(e -> failures.add(e.getLastThrowable()));
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(200)))) {
      RoutingJdbi db = RoutingJdbi.builder(router).retryPolicy(policy).build();
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch proceed = new CountDownLatch(1);
      AtomicInteger attempts = new AtomicInteger();

      java.util.concurrent.ExecutorService worker =
          java.util.concurrent.Executors.newSingleThreadExecutor();
      java.util.concurrent.Future<Written<Integer>> tx =
          worker.submit(
              () ->
                  db.inTransaction(
                      Idempotency.IDEMPOTENT,
                      h -> {
                        attempts.incrementAndGet();
                        h.execute("INSERT INTO item VALUES (2, 'two') ON CONFLICT (id) DO NOTHING");
                        inside.countDown();
                        proceed.await(60, TimeUnit.SECONDS);
                        return h.execute("UPDATE item SET name = 'two-done' WHERE id = 2");
                      }));
      assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
      try {
        pg.cluster.primary().stop();
        proceed.countDown();
        // the cut transaction fails and is retried while the primary is still down
        await().atMost(60, TimeUnit.SECONDS).until(() -> !failures.isEmpty());
      } finally {
        proceed.countDown();
        pg.cluster.primary().start();
      }

      Written<Integer> done = tx.get(90, TimeUnit.SECONDS);
      worker.shutdown();
      assertThat(done.value()).isEqualTo(1);
      assertThat(attempts.get()).isGreaterThanOrEqualTo(2);
      assertThat(failures).isNotEmpty();
      FailureClass first = FailureClassifiers.standard().classify(failures.get(0));
      String sqlState =
          FailureClassifier.causalChain(failures.get(0)).stream()
              .filter(java.sql.SQLException.class::isInstance)
              .map(t -> ((java.sql.SQLException) t).getSQLState())
              .findFirst()
              .orElse(null);
      // a fast shutdown terminates the backend (57P01: its transaction rolled back, transient); if
      // the
      // socket breaks before the driver reads that, the driver reports 08006 (outcome unknown)
      assertThat(sqlState).as("SQLSTATE of %s", failures.get(0)).isIn("57P01", "08006");
      assertThat(first)
          .isEqualTo(sqlState.equals("57P01") ? FailureClass.TRANSIENT : FailureClass.UNKNOWN);
      String name =
          pg.primaryJdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT name FROM item WHERE id = 2")
                          .mapTo(String.class)
                          .one());
      assertThat(name).isEqualTo("two-done");
      System.out.printf(
          "primary restart mid-transaction: %d attempt(s); first failure classified %s: %s%n",
          attempts.get(), first, failures.get(0));
    }
  }
}
