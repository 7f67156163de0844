package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.core.FailureClass;
import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A full database outage (primary stopped): how many retries N calls cause, with and without a
 * budget.
 */
@Timeout(180)
class RetryBudgetIT {
  private static final Logger LOG = LoggerFactory.getLogger(RetryBudgetIT.class);
  private static final int CALLS = 60;
  private static final int MAX_ATTEMPTS = 3;
  private static final double RATIO = 0.1;
  private static final int MIN_PER_SECOND = 1;
  private static final Duration WINDOW = Duration.ofSeconds(10);

  @Test
  void duringAFullOutageTheBudgetCapsRetriesAtRatioTimesCallsPlusTheFloor() throws Exception {
    PostgresCluster pg = LarderServices.postgres();
    String db = pg.createDatabase("budget");
    DataSource ds = pg.primary().dataSource(db);
    RetryPolicy policy =
        RetryPolicy.builder("budget-it")
            .maxAttempts(MAX_ATTEMPTS)
            .initialInterval(Duration.ofMillis(1))
            .maxInterval(Duration.ofMillis(5))
            .build();
    // The window does not slide during the test (manual clock), so the floor is exactly the
    // reserve.
    RetryBudget budget =
        RetryBudget.builder("budget-it")
            .retryRatio(RATIO)
            .minRetriesPerSecond(MIN_PER_SECOND)
            .window(WINDOW)
            .timeSource(ManualTimeSource.startingAt(Instant.EPOCH))
            .build();

    AtomicInteger withoutBudget = new AtomicInteger();
    AtomicInteger withBudget = new AtomicInteger();
    AtomicReference<SQLException> seen = new AtomicReference<>();
    long t0 = System.nanoTime();
    pg.primary().stop();
    long t1 = System.nanoTime();
    try {
      for (int i = 0; i < CALLS; i++) {
        failingQuery(policy, null, ds, withoutBudget, seen);
      }
      long t2 = System.nanoTime();
      Resilience budgeted = Resilience.of(policy, budget);
      for (int i = 0; i < CALLS; i++) {
        failingQuery(null, budgeted, ds, withBudget, seen);
      }
      LOG.info(
          "outage phases: stop {} ms, {} calls without budget {} ms, {} calls with budget {} ms",
          (t1 - t0) / 1_000_000,
          CALLS,
          (t2 - t1) / 1_000_000,
          CALLS,
          (System.nanoTime() - t2) / 1_000_000);
    } finally {
      pg.primary().start();
    }
    long t3 = System.nanoTime();
    awaitHealthy(pg, ds);
    LOG.info("cluster healthy again {} ms after restart", (System.nanoTime() - t3) / 1_000_000);

    int retriesWithout = withoutBudget.get() - CALLS;
    int retriesWith = withBudget.get() - CALLS;
    long floor = MIN_PER_SECOND * WINDOW.toSeconds();
    double bound = CALLS * RATIO + floor;
    LOG.info(
        "full outage (primary stopped, {} -> {}), {} calls, maxAttempts {}: without budget {} retries "
            + "(N x (maxAttempts-1) = {}); with budget (ratio {}, floor {} tokens) {} retries (bound N x ratio + floor = {}), "
            + "{} retries refused",
        seen.get().getSQLState(),
        FailureClassifiers.standard().classify(seen.get()),
        CALLS,
        MAX_ATTEMPTS,
        retriesWithout,
        CALLS * (MAX_ATTEMPTS - 1),
        RATIO,
        floor,
        retriesWith,
        bound,
        budget.exhaustedCount());

    assertThat(FailureClassifiers.standard().classify(seen.get()))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(retriesWithout).isEqualTo(CALLS * (MAX_ATTEMPTS - 1));
    assertThat((double) retriesWith).isLessThanOrEqualTo(bound);
    assertThat(retriesWith).isEqualTo(budget.grantedCount()).isPositive();
    assertThat(budget.exhaustedCount()).isPositive();
  }

  private static void failingQuery(
      RetryPolicy policy,
      Resilience resilience,
      DataSource ds,
      AtomicInteger attempts,
      AtomicReference<SQLException> seen) {
    ThrowingSupplier<Integer, SQLException> query =
        () -> {
          attempts.incrementAndGet();
          try (Connection c = ds.getConnection();
              Statement s = c.createStatement();
              ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
          }
        };
    try {
      if (policy != null) {
        policy.callChecked(true, query);
      } else {
        resilience.callChecked(true, query);
      }
      throw new AssertionError("the primary is stopped, the query cannot succeed");
    } catch (SQLException e) {
      seen.set(e);
    }
  }

  /**
   * The cluster is shared with other tests: wait until the primary answers and the standby streams
   * again.
   */
  private static void awaitHealthy(PostgresCluster pg, DataSource ds) throws SQLException {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              try (Connection c = ds.getConnection();
                  Statement s = c.createStatement()) {
                return s.execute("SELECT 1");
              }
            });
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS after_outage (id int)");
    }
    pg.awaitStandbyCaughtUp(Duration.ofSeconds(60));
  }
}
