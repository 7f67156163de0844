package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.resilience.CircuitBreakerPresets;
import dev.larder.resilience.CircuitOpenException;
import dev.larder.resilience.FailureClassifiers;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The testkit's primary stopped under a {@link RoutingJdbi}: what writes, strong reads and replica
 * reads do meanwhile, how long a failure takes, and whether a retry policy carries a write over the
 * outage.
 */
@Timeout(300)
class PrimaryDownIT {
  /** Slack for a loaded host on top of a stated bound. */
  private static final long TOLERANCE_MS = 2_000;

  private static PgFixture pg;

  @BeforeAll
  static void database() {
    pg = PgFixture.create("primary_down").withItemTable();
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @AfterEach
  void restoreCluster() {
    pg.restore();
    // HikariCP reconnects on its own schedule: while the server was down its pause between
    // connection attempts doubled (up to 5 s), longer than the OLTP preset's 1 s connectionTimeout
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(pg::resetItem);
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  private static int rename(Handle h) {
    return h.execute("UPDATE item SET name = 'renamed' WHERE id = 1");
  }

  /**
   * Calls {@code attempt} until it fails the way a primary that is down makes every call fail once
   * the pool holds no connection to it; the calls before may meet pooled connections the stop cut
   * (at most the pool's size plus one the health check was holding), which fail with the driver's
   * own error. Returns that last failure and how long its call took.
   */
  private static Failure untilNoConnection(Runnable attempt) {
    for (int i = 0; i < 8; i++) {
      long start = System.nanoTime();
      try {
        attempt.run();
        throw new AssertionError("call " + i + " succeeded with the primary stopped");
      } catch (RuntimeException e) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (FailureClassifier.causalChain(e).stream()
            .anyMatch(SQLTransientConnectionException.class::isInstance)) {
          return new Failure(e, ms);
        }
        // a pooled connection the stop cut: 57P01 (terminated, nothing ran) or 08006 (broken
        // socket)
        assertThat(sqlState(e)).as("failure %d: %s", i, e).isIn("57P01", "08006");
      }
    }
    throw new AssertionError("no call found the pool without a connection");
  }

  private record Failure(RuntimeException failure, long millis) {}

  private static @Nullable String sqlState(Throwable t) {
    return FailureClassifier.causalChain(t).stream()
        .filter(SQLException.class::isInstance)
        .map(e -> ((SQLException) e).getSQLState())
        .findFirst()
        .orElse(null);
  }

  @Test
  void writesAndStrongReadsFailWithATypedTransientFailureWithinThePoolsConnectionTimeout() {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(200)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      assertThat(db.write(PrimaryDownIT::inRecovery).value()).isFalse();
      long timeoutMs = pg.primaryPool.getConnectionTimeout();
      pg.cluster.primary().stop();

      Failure write = untilNoConnection(() -> db.write(PrimaryDownIT::rename));
      assertThat(write.failure())
          .isInstanceOf(PrimaryUnavailableException.class)
          .hasMessageStartingWith(
              "primary unavailable: no connection from pool 'primary_down-primary' within its"
                  + " connectionTimeout "
                  + timeoutMs
                  + " ms, nothing was sent")
          .hasCauseInstanceOf(SQLTransientConnectionException.class)
          .hasRootCauseInstanceOf(ConnectException.class);
      PrimaryUnavailableException unavailable = (PrimaryUnavailableException) write.failure();
      assertThat(unavailable.failureClass()).isEqualTo(FailureClass.TRANSIENT);
      assertThat(unavailable.connectionTimeout()).contains(Duration.ofMillis(timeoutMs));
      assertThat(FailureClassifiers.standard().classify(unavailable))
          .isEqualTo(FailureClass.TRANSIENT);

      Failure read =
          untilNoConnection(() -> db.read(ReadIntent.strong(), PrimaryDownIT::inRecovery));
      assertThat(read.failure())
          .isInstanceOf(PrimaryUnavailableException.class)
          .hasMessageContaining("connectionTimeout " + timeoutMs + " ms");
      System.out.printf(
          "primary stopped: write failed after %d ms, strong read after %d ms (pool"
              + " connectionTimeout %d ms)%n",
          write.millis(), read.millis(), timeoutMs);
      assertThat(write.millis()).isLessThan(timeoutMs + TOLERANCE_MS);
      assertThat(read.millis()).isLessThan(timeoutMs + TOLERANCE_MS);
    }
  }

  @Test
  void replicaReadsKeepWorkingOnTheStandbyWhileThePrimaryIsDown() {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(200)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      ConsistencyToken token =
          db.write(h -> h.execute("UPDATE item SET name = 'before-stop' WHERE id = 1")).token();
      router.awaitReplayed(token, Duration.ofSeconds(30));
      router.checkNow();
      assertThat(db.read(PgFixture::item)).isEqualTo(new PgFixture.Seen("before-stop", true));
      pg.cluster.primary().stop();
      long stopped = System.nanoTime();
      // two seconds of health checks that cannot reach the primary: every kind of read the standby
      // can answer is still answered there, without an error and without a fallback
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                assertThat(db.read(PgFixture::item))
                    .isEqualTo(new PgFixture.Seen("before-stop", true));
                assertThat(
                        db.read(
                            ReadIntent.boundedStaleness(Duration.ofSeconds(5)), PgFixture::item))
                    .isEqualTo(new PgFixture.Seen("before-stop", true));
                assertThat(db.read(ReadIntent.readYourWrites(token), PgFixture::item))
                    .isEqualTo(new PgFixture.Seen("before-stop", true));
                assertThat(router.replica(PgFixture.STANDBY).inRotation()).isTrue();
                assertThat(System.nanoTime() - stopped).isGreaterThan(TimeUnit.SECONDS.toNanos(2));
              });
      assertThat(router.primaryFallbacks()).isZero();
      assertThat(router.readYourWritesFallbacks()).isZero();
    }
  }

  @Test
  void aRetryPolicyCarriesANonIdempotentWriteOverAnOutageBecauseNothingWasSent() throws Exception {
    List<Throwable> retried = new CopyOnWriteArrayList<>();
    RetryPolicy policy =
        RetryPolicy.builder("primary-down-it")
            .maxAttempts(100)
            .initialInterval(Duration.ofMillis(100))
            .maxInterval(Duration.ofMillis(500))
            .deadline(Duration.ofSeconds(60))
            .build();
    policy.retry().getEventPublisher().onRetry(e -> retried.add(e.getLastThrowable()));
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(200)))) {
      RoutingJdbi db = RoutingJdbi.builder(router).retryPolicy(policy).build();
      RoutingJdbi once = RoutingJdbi.create(router);
      pg.cluster.primary().stop();
      CompletableFuture<Written<Integer>> write;
      try {
        untilNoConnection(
            () -> once.read(ReadIntent.strong(), PrimaryDownIT::inRecovery)); // cut ones gone
        write =
            CompletableFuture.supplyAsync(() -> db.write(PrimaryDownIT::rename)); // not idempotent
        await().atMost(Duration.ofSeconds(60)).until(() -> retried.size() >= 2);
      } finally {
        pg.cluster.primary().start();
      }
      assertThat(write.get(60, TimeUnit.SECONDS).value()).isEqualTo(1);
      assertThat(retried)
          .allSatisfy(t -> assertThat(t).isInstanceOf(PrimaryUnavailableException.class));
      System.out.printf(
          "primary stopped during a write with a retry policy: %d retries, then committed%n",
          retried.size());
    }
  }

  @Test
  void throughThePoolAndTheDatabaseBreakerWritesResumeSoonAfterThePrimaryReturns()
      throws Exception {
    // The Pools OLTP preset as users get it (fixed size, 1 s connectionTimeout) and the database
    // breaker preset, writes arriving 5 times a second whatever happens (open loop).
    HikariDataSource pool =
        Pools.builder(PoolPreset.OLTP, pg.cluster.primary().jdbcUrl(pg.database))
            .credentials(pg.cluster.primary().username(), pg.cluster.primary().password())
            .poolName("primary-down-oltp")
            .maximumPoolSize(2)
            .build();
    CircuitBreaker breaker = CircuitBreakerPresets.database("primary-down-db");
    List<long[]> transitions = new CopyOnWriteArrayList<>(); // {nanos, to-state ordinal}
    breaker
        .getEventPublisher()
        .onStateTransition(
            e ->
                transitions.add(
                    new long[] {System.nanoTime(), e.getStateTransition().getToState().ordinal()}));
    AtomicLong firstFailure = new AtomicLong();
    List<Long> successes = new CopyOnWriteArrayList<>();
    AtomicInteger admitted = new AtomicInteger(); // writes the breaker let through to the pool
    AtomicInteger admittedWhenOpened = new AtomicInteger(-1);
    breaker
        .getEventPublisher()
        .onStateTransition(
            e -> {
              if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                admittedWhenOpened.compareAndSet(-1, admitted.get());
              }
            });
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    ExecutorService workers = Executors.newFixedThreadPool(8);
    try (pool;
        ReplicaRouter router =
            ReplicaRouter.builder()
                .primary(pool)
                .replica(PgFixture.STANDBY, pg.replicaPool)
                .healthCheckInterval(Duration.ofMillis(200))
                .build()) {
      RoutingJdbi db =
          RoutingJdbi.builder(router)
              .resilience(
                  Resilience.of(
                      breaker, RetryPolicy.builder("primary-down-once").maxAttempts(1).build()))
              .build();
      ticker.scheduleAtFixedRate(
          () ->
              workers.execute(
                  () -> {
                    long start = System.nanoTime();
                    try {
                      db.write(PrimaryDownIT::rename);
                      admitted.incrementAndGet();
                      successes.add(System.nanoTime());
                    } catch (CircuitOpenException refused) {
                      // the breaker answered for the database
                    } catch (RuntimeException e) {
                      admitted.incrementAndGet();
                      firstFailure.compareAndSet(0, start);
                    }
                  }),
          0,
          200,
          TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> !successes.isEmpty());

      int before = admitted.get();
      pg.cluster.primary().stop();
      long stopped = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
      long opened = System.nanoTime();
      // the outage lasts until the open wait has grown to its 5 s cap (opened, then 3 failed
      // probes)
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  transitions.stream()
                          .filter(t -> t[1] == CircuitBreaker.State.OPEN.ordinal())
                          .count()
                      >= 4);
      pg.cluster.primary().start();
      long back = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(10))
          .until(
              () ->
                  breaker.getState() == CircuitBreaker.State.CLOSED
                      && successes.get(successes.size() - 1) > back);
      long fresh = successes.stream().filter(t -> t > back).findFirst().orElseThrow() - back;
      long closed =
          transitions.stream()
                  .filter(t -> t[0] > back && t[1] == CircuitBreaker.State.CLOSED.ordinal())
                  .mapToLong(t -> t[0])
                  .findFirst()
                  .orElseThrow()
              - back;
      System.out.printf(
          "primary down at 5 writes/s through an OLTP pool (connectionTimeout 1 s) and the database"
              + " breaker: open %d ms after stop (%d ms after the first failing write began), %d writes had"
              + " gone to the pool since the stop when it opened; primary back -> first successful write %d ms, -> breaker CLOSED %d ms%n",
          ms(opened - stopped),
          ms(opened - firstFailure.get()),
          admittedWhenOpened.get() - before,
          ms(fresh),
          ms(closed));
      // the breaker's open wait (at most 5 s) plus HikariCP's wait between connection attempts
      // while
      // the server was down (at most 5 s) plus one connectionTimeout
      assertThat(ms(fresh)).isLessThan(5_000 + 5_000 + 1_000 + TOLERANCE_MS);
    } finally {
      ticker.shutdownNow();
      workers.shutdownNow();
      workers.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  @Test
  void aConnectionFailureThatRepeatsIsPermanentAndNotRetried() {
    // A database that does not exist (3D000): no connection, nothing sent, and no retry can help.
    HikariDataSource wrong =
        Pools.builder(PoolPreset.REPLICA, pg.cluster.primary().jdbcUrl("no_such_database"))
            .credentials(pg.cluster.primary().username(), pg.cluster.primary().password())
            .poolName("primary-down-wrong-db")
            .maximumPoolSize(1)
            .minimumIdle(0)
            .build();
    List<Throwable> retried = new CopyOnWriteArrayList<>();
    RetryPolicy policy =
        RetryPolicy.builder("primary-down-permanent")
            .initialInterval(Duration.ofMillis(10))
            .maxInterval(Duration.ofMillis(10))
            .deadline(Duration.ofSeconds(30))
            .build();
    policy.retry().getEventPublisher().onRetry(e -> retried.add(e.getLastThrowable()));
    try (wrong;
        ReplicaRouter router = ReplicaRouter.builder().primary(wrong).checkOnStart(false).build()) {
      RoutingJdbi db = RoutingJdbi.builder(router).retryPolicy(policy).build();
      assertThatThrownBy(() -> db.write(PrimaryDownIT::rename))
          .isInstanceOfSatisfying(
              PrimaryUnavailableException.class,
              e -> {
                assertThat(e.failureClass()).isEqualTo(FailureClass.PERMANENT);
                assertThat(sqlState(e)).isEqualTo("3D000");
              });
      assertThat(retried).isEmpty();
    }
  }

  @Test
  void aRetryDeadlineShorterThanThePrimaryPoolsConnectionTimeoutIsRefusedAtBuild() {
    HikariDataSource slow =
        PgFixture.pool(PoolPreset.OLTP, pg.cluster.primary(), pg.database, "primary-down-3s");
    slow.setConnectionTimeout(3_000);
    try (slow;
        ReplicaRouter router = ReplicaRouter.builder().primary(slow).build()) {
      RetryPolicy interactive = RetryPolicy.interactiveBuilder("primary-down-interactive").build();
      assertThatThrownBy(() -> RoutingJdbi.builder(router).retryPolicy(interactive).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("primary pool connectionTimeout (PT3S)")
          .hasMessageContaining("retry deadline (PT2S)")
          .hasMessageContaining("lower primary pool connectionTimeout or raise retry deadline");
    }
  }
}
