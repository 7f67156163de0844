package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.core.FailureClass;
import dev.larder.testkit.LarderServices;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real PostgreSQL failures, classified and retried (or not) by a RetryPolicy. */
@Timeout(120)
class PostgresRetryIT {
  private static DataSource ds;
  private static ExecutorService pool;

  private final RetryPolicy policy =
      RetryPolicy.builder("pg-it")
          .maxAttempts(3)
          .initialInterval(Duration.ofMillis(10))
          .maxInterval(Duration.ofMillis(50))
          .build();

  @BeforeAll
  static void setUp() throws SQLException {
    String db = LarderServices.postgres().createDatabase("resilience");
    ds = LarderServices.postgres().primary().dataSource(db);
    pool = Executors.newFixedThreadPool(2);
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE account (id int PRIMARY KEY, on_call boolean NOT NULL)");
      s.execute("CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL)");
      s.execute("INSERT INTO item VALUES (1, 0), (2, 0)");
    }
  }

  @AfterAll
  static void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void aSerializationFailureIsTransientAndTheWholeTransactionIsRerunToSuccess() throws Exception {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM account");
      s.execute("INSERT INTO account VALUES (1, true), (2, true)");
    }
    // Write skew: the rule is "someone stays on call". Both doctors read "two on call" and each
    // takes himself off call; under SERIALIZABLE one of the two transactions must fail with 40001.
    // Re-run, it sees the other's commit and leaves its doctor on call.
    CountDownLatch bothRead = new CountDownLatch(2);
    List<SQLException> failures = new CopyOnWriteArrayList<>();
    policy
        .retry()
        .getEventPublisher()
        .onRetry(e -> failures.add((SQLException) e.getLastThrowable()));
    AtomicInteger attempts = new AtomicInteger();
    Future<?> one = pool.submit(() -> offCall(1, bothRead, attempts));
    Future<?> two = pool.submit(() -> offCall(2, bothRead, attempts));
    one.get(60, TimeUnit.SECONDS);
    two.get(60, TimeUnit.SECONDS);

    assertThat(attempts).hasValue(3); // two first attempts, one re-run
    assertThat(failures)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getSQLState()).isEqualTo("40001");
              assertThat(FailureClassifiers.standard().classify(f))
                  .isEqualTo(FailureClass.TRANSIENT);
            });
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM account WHERE on_call")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  private Void offCall(int doctor, CountDownLatch bothRead, AtomicInteger attempts)
      throws Exception {
    AtomicInteger mine = new AtomicInteger();
    return policy.callChecked(
        false,
        () -> {
          int attempt = mine.incrementAndGet();
          attempts.incrementAndGet();
          try (Connection c = ds.getConnection()) {
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
              int onCall;
              try (ResultSet rs = s.executeQuery("SELECT count(*) FROM account WHERE on_call")) {
                rs.next();
                onCall = rs.getInt(1);
              }
              if (attempt == 1) {
                bothRead.countDown();
                if (!bothRead.await(30, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the other transaction never read");
                }
              }
              if (onCall >= 2) {
                s.executeUpdate("UPDATE account SET on_call = false WHERE id = " + doctor);
              }
              c.commit();
            } catch (SQLException e) {
              c.rollback();
              throw e;
            }
          }
          return null;
        });
  }

  @Test
  void aDeadlockIsTransientAndTheVictimIsRerunToSuccess() throws Exception {
    CountDownLatch bothLocked = new CountDownLatch(2);
    List<SQLException> failures = new CopyOnWriteArrayList<>();
    policy
        .retry()
        .getEventPublisher()
        .onRetry(e -> failures.add((SQLException) e.getLastThrowable()));
    AtomicInteger attempts = new AtomicInteger();
    long before = totalQty();
    Future<?> one = pool.submit(() -> lockBoth(1, 2, bothLocked, attempts));
    Future<?> two = pool.submit(() -> lockBoth(2, 1, bothLocked, attempts));
    one.get(60, TimeUnit.SECONDS);
    two.get(60, TimeUnit.SECONDS);

    // PostgreSQL aborts one of the two as the deadlock victim; on a loaded machine both
    // detectors can fire, so each deadlock is one retry: attempts = 2 + retries.
    assertThat(failures)
        .isNotEmpty()
        .allSatisfy(
            f -> {
              assertThat(f.getSQLState()).isEqualTo("40P01");
              assertThat(FailureClassifiers.standard().classify(f))
                  .isEqualTo(FailureClass.TRANSIENT);
            });
    assertThat(attempts).hasValue(2 + failures.size());
    assertThat(totalQty()).as("both transactions committed exactly once").isEqualTo(before + 4);
  }

  private static long totalQty() throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT sum(qty) FROM item")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private Void lockBoth(int first, int second, CountDownLatch bothLocked, AtomicInteger attempts)
      throws Exception {
    AtomicInteger mine = new AtomicInteger();
    return policy.callChecked(
        false,
        () -> {
          int attempt = mine.incrementAndGet();
          attempts.incrementAndGet();
          try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
              s.execute("SET LOCAL deadlock_timeout = '200ms'");
              s.executeUpdate("UPDATE item SET qty = qty + 1 WHERE id = " + first);
              if (attempt == 1) {
                bothLocked.countDown();
                if (!bothLocked.await(30, TimeUnit.SECONDS)) {
                  throw new IllegalStateException("the other transaction never locked");
                }
              }
              s.executeUpdate("UPDATE item SET qty = qty + 1 WHERE id = " + second);
              c.commit();
            } catch (SQLException e) {
              c.rollback();
              throw e;
            }
          }
          return null;
        });
  }

  @Test
  void aUniqueViolationIsPermanentAndNotRetried() throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO item VALUES (100, 1) ON CONFLICT DO NOTHING");
    }
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                policy.callChecked(
                    true,
                    () -> {
                      attempts.incrementAndGet();
                      try (Connection c = ds.getConnection();
                          Statement s = c.createStatement()) {
                        return s.executeUpdate("INSERT INTO item VALUES (100, 2)");
                      }
                    }))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("23505");
              assertThat(FailureClassifiers.standard().classify(e))
                  .isEqualTo(FailureClass.PERMANENT);
            });
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aSyntaxErrorIsPermanentAndNotRetried() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                policy.callChecked(
                    true,
                    () -> {
                      attempts.incrementAndGet();
                      try (Connection c = ds.getConnection();
                          Statement s = c.createStatement()) {
                        return s.execute("SELEKT 1");
                      }
                    }))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("42601");
              assertThat(FailureClassifiers.standard().classify(e))
                  .isEqualTo(FailureClass.PERMANENT);
            });
    assertThat(attempts).hasValue(1);
  }

  @Test
  void aBackendTerminatedMidQueryIsRetriedOnAFreshConnection() throws Exception {
    List<Integer> pids = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    policy.retry().getEventPublisher().onRetry(e -> failures.add(e.getLastThrowable()));
    Future<Integer> query =
        pool.submit(
            () ->
                policy.callChecked(
                    true,
                    () -> {
                      try (Connection c = ds.getConnection();
                          Statement s = c.createStatement()) {
                        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                          rs.next();
                          pids.add(rs.getInt(1));
                        }
                        if (pids.size() == 1) {
                          s.execute("SELECT pg_sleep(60)");
                        }
                        try (ResultSet rs = s.executeQuery("SELECT 42")) {
                          rs.next();
                          return rs.getInt(1);
                        }
                      }
                    }));
    await().atMost(Duration.ofSeconds(30)).until(() -> pids.size() == 1 && sleeping(pids.get(0)));
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_terminate_backend(" + pids.get(0) + ")");
    }

    assertThat(query.get(60, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(pids).hasSize(2).doesNotHaveDuplicates();
    assertThat(failures)
        .singleElement()
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("57P01");
              assertThat(FailureClassifiers.standard().classify(e))
                  .isEqualTo(FailureClass.TRANSIENT);
            });
  }

  private static boolean sleeping(int pid) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = "
                    + pid
                    + " AND state = 'active' AND query LIKE '%pg_sleep%'")) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }
}
