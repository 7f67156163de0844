package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CircuitBreakerPresets#database(String)} against the testkit's PostgreSQL primary, stopped
 * and started for real, with calls arriving at a fixed rate whatever the breaker does (open loop: a
 * service's requests do not wait for each other). A call opens a connection if its worker has none
 * and runs one statement; against a stopped server PgJDBC is refused at once (08001), so these
 * figures are the breaker's own, without a pool's connection timeout in front of each failure
 * (jdbc's {@code PrimaryDownIT} measures the pool's part).
 *
 * <p>Figures are printed; bounds are asserted with a tolerance for a busy 2-core host.
 */
@Timeout(300)
class BreakerTrafficIT {
  /** Slack for a loaded host on top of a stated bound. */
  private static final long TOLERANCE_MS = 2_000;

  private static PostgresServer primary;
  private static DataSource ds;

  // per test (JUnit makes an instance per test): fresh workers, so no connection outlives a restart
  private final ExecutorService workers = Executors.newFixedThreadPool(8);
  private final ThreadLocal<Connection> connection = new ThreadLocal<>();
  private final List<Connection> opened = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService ticker;

  @BeforeAll
  static void setUp() throws SQLException {
    String db = LarderServices.postgres().createDatabase("breaker_traffic");
    primary = LarderServices.postgres().primary();
    ds = primary.dataSource(db);
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE slot (id int PRIMARY KEY)");
      s.execute("INSERT INTO slot VALUES (1)");
    }
  }

  @AfterEach
  void stopTicking() throws InterruptedException {
    if (ticker != null) {
      ticker.shutdownNow();
    }
    workers.shutdownNow();
    workers.awaitTermination(30, TimeUnit.SECONDS);
    for (Connection c : opened) {
      try {
        c.close();
      } catch (SQLException e) {
        // already broken by a stop
      }
    }
    if (!primary.isRunning()) {
      primary.start();
    }
  }

  /** What one timed run saw. */
  private static final class Run {
    final List<long[]> transitions = new CopyOnWriteArrayList<>(); // {nanos, toState ordinal}
    final AtomicInteger permitted = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger succeeded = new AtomicInteger();
    final AtomicInteger rejected = new AtomicInteger();
    final AtomicLong firstFailureNanos = new AtomicLong();
    final AtomicLong firstSuccessNanos = new AtomicLong();
    final AtomicInteger permittedWhenOpened = new AtomicInteger(-1);

    long firstTransitionTo(State s, long after) {
      for (long[] t : transitions) {
        if (t[1] == s.ordinal() && t[0] >= after) {
          return t[0];
        }
      }
      return 0;
    }
  }

  private Run watch(CircuitBreaker cb) {
    Run run = new Run();
    cb.getEventPublisher()
        .onStateTransition(
            e -> {
              State to = e.getStateTransition().getToState();
              if (to == State.OPEN && run.permittedWhenOpened.get() < 0) {
                run.permittedWhenOpened.set(run.permitted.get());
              }
              run.transitions.add(new long[] {System.nanoTime(), to.ordinal()});
            });
    return run;
  }

  /**
   * Starts calls at {@code perSecond}; call number {@code n} (from 0) runs a statement that fails
   * with a real lock conflict when {@code failing.test(n)}, a plain {@code SELECT 1} otherwise.
   */
  private void load(CircuitBreaker cb, Run run, double perSecond, IntPredicate failing) {
    ticker = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger n = new AtomicInteger();
    long period = (long) (1_000_000_000L / perSecond);
    ticker.scheduleAtFixedRate(
        () -> {
          int i = n.getAndIncrement();
          workers.execute(() -> call(cb, run, failing.test(i)));
        },
        0,
        period,
        TimeUnit.NANOSECONDS);
  }

  private void call(CircuitBreaker cb, Run run, boolean conflict) {
    if (!cb.tryAcquirePermission()) {
      run.rejected.incrementAndGet();
      return;
    }
    run.permitted.incrementAndGet();
    long start = System.nanoTime();
    try {
      statement(conflict);
      cb.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      run.succeeded.incrementAndGet();
      run.firstSuccessNanos.compareAndSet(0, System.nanoTime());
    } catch (SQLException e) {
      cb.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      run.failed.incrementAndGet();
      run.firstFailureNanos.compareAndSet(0, start);
    }
  }

  /** One statement on this worker's connection, opening one if needed; a broken one is dropped. */
  private void statement(boolean conflict) throws SQLException {
    Connection c = connection.get();
    try {
      if (c == null) {
        c = ds.getConnection();
        opened.add(c);
        connection.set(c);
      }
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  conflict ? "SELECT id FROM slot WHERE id = 1 FOR UPDATE NOWAIT" : "SELECT 1")) {
        rs.next();
      }
    } catch (SQLException e) {
      if (!"55P03".equals(e.getSQLState())) {
        connection.remove();
        if (c != null) {
          c.close();
        }
      }
      throw e;
    }
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /**
   * The database is stopped while calls arrive at {@code perSecond}; returns the run once it
   * opened.
   */
  private Run outage(String name, double perSecond, Duration giveUp) {
    CircuitBreaker cb = CircuitBreakerPresets.database(name);
    Run run = watch(cb);
    primary.stop();
    load(cb, run, perSecond, i -> false);
    await()
        .atMost(giveUp)
        .pollInterval(Duration.ofMillis(10))
        .untilAsserted(
            () ->
                assertThat(cb.getState())
                    .as("breaker after %d failed calls", run.failed.get())
                    .isEqualTo(State.OPEN));
    ticker.shutdownNow();
    long opened = run.firstTransitionTo(State.OPEN, 0);
    System.out.printf(
        "breaker at %s requests/s against a stopped PostgreSQL: open after %d calls reached the"
            + " database, %d ms after the first failing call began%n",
        perSecond, run.permittedWhenOpened.get(), ms(opened - run.firstFailureNanos.get()));
    return run;
  }

  @Test
  void atHalfARequestPerSecondItOpensAfterFiveFailingCalls() {
    Run run = outage("traffic-0.5", 0.5, Duration.ofSeconds(24));
    assertThat(run.permittedWhenOpened.get()).isEqualTo(5);
  }

  @Test
  void atFiveRequestsPerSecondItOpensOnceFailuresHaveLastedOneSecond() {
    Run run = outage("traffic-5", 5, Duration.ofSeconds(12));
    long opened = run.firstTransitionTo(State.OPEN, 0);
    // 5 failures and 1 s of them: the 6th call at 5/s; one more if the ticks drift
    assertThat(run.permittedWhenOpened.get()).isBetween(5, 7);
    assertThat(ms(opened - run.firstFailureNanos.get())).isLessThan(1_200 + TOLERANCE_MS);
  }

  @Test
  void atFiveHundredRequestsPerSecondAnOutageOpensItWithinOneSecond() {
    CircuitBreaker cb = CircuitBreakerPresets.database("traffic-500");
    Run run = watch(cb);
    load(cb, run, 500, i -> false);
    // 5 s of healthy traffic first: a failure rate over the 10 s window then reaches 50 % only
    // after 5 s of failures
    await().atMost(Duration.ofSeconds(60)).until(() -> run.succeeded.get() >= 2_500);
    long stopAt = System.nanoTime();
    primary.stop();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> cb.getState() == State.OPEN);
    ticker.shutdownNow();
    long opened = run.firstTransitionTo(State.OPEN, 0);
    long failing = run.firstFailureNanos.get();
    System.out.printf(
        "breaker at 500 requests/s, primary stopped after %d successes: open %d ms after the"
            + " first failing call began (%d failed calls; %d ms after stop() was called)%n",
        run.succeeded.get(), ms(opened - failing), run.failed.get(), ms(opened - stopAt));
    assertThat(ms(opened - failing)).isLessThan(1_000 + TOLERANCE_MS);
  }

  @Test
  void atFiveHundredRequestsPerSecondIsolatedFailuresAndAShortBurstDoNotOpenIt() throws Exception {
    CircuitBreaker cb = CircuitBreakerPresets.database("traffic-500-isolated");
    Run run = watch(cb);
    // A session holds row 1 locked: a NOWAIT lock on it fails at once with 55P03 (transient, so
    // recorded by the breaker). 1 call in 25 conflicts, and calls 1,000-1,149 all do (300 ms).
    try (Connection holder = ds.getConnection();
        Statement s = holder.createStatement()) {
      holder.setAutoCommit(false);
      s.executeQuery("SELECT id FROM slot WHERE id = 1 FOR UPDATE").close();
      load(cb, run, 500, i -> i % 25 == 3 || (i >= 1_000 && i < 1_150));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> run.permitted.get() >= 2_500 || !run.transitions.isEmpty());
      ticker.shutdownNow();
      holder.rollback();
    }
    System.out.printf(
        "breaker at 500 requests/s with isolated lock conflicts and a 150-call burst: %d calls,"
            + " %d failed, transitions %d%n",
        run.permitted.get(), run.failed.get(), run.transitions.size());
    assertThat(run.failed.get()).isGreaterThanOrEqualTo(150);
    assertThat(run.transitions).isEmpty();
    assertThat(cb.getState()).isEqualTo(State.CLOSED);
  }

  @Test
  void afterTheDatabaseReturnsFreshCallsResumeWithinTheMaximumOpenWaitAndFewProbesAreMade() {
    CircuitBreaker cb = CircuitBreakerPresets.database("traffic-recovery");
    Run run = watch(cb);
    primary.stop();
    load(cb, run, 50, i -> false);
    await().atMost(Duration.ofSeconds(20)).until(() -> cb.getState() == State.OPEN);
    int beforeProbes = run.permitted.get();
    long openedAt = System.nanoTime();
    // an outage long enough for the open wait to reach its cap: opened, then 3 failed probes
    // (after 1, 2 and 2 s), so the breaker now waits OPEN_WAIT_MAX (2 s)
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> run.transitions.stream().filter(t -> t[1] == State.OPEN.ordinal()).count() >= 4);
    int probesWhileDown = run.permitted.get() - beforeProbes;
    long downFor = System.nanoTime() - openedAt;
    primary.start();
    long back = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> run.firstSuccessNanos.get() != 0 && cb.getState() == State.CLOSED);
    ticker.shutdownNow();
    long fresh = run.firstSuccessNanos.get() - back;
    long closed = run.firstTransitionTo(State.CLOSED, back) - back;
    System.out.printf(
        "breaker recovery at 50 requests/s: %d probe calls in %d ms open (%d calls refused);"
            + " database back -> first fresh success %d ms, -> CLOSED %d ms%n",
        probesWhileDown, ms(downFor), run.rejected.get(), ms(fresh), ms(closed));
    // at most the open wait's cap plus one arrival interval; the breaker closes on 3 good probes
    long cap = CircuitBreakerPresets.OPEN_WAIT_MAX.toMillis();
    assertThat(ms(fresh)).isLessThan(cap + 20 + TOLERANCE_MS);
    assertThat(ms(closed)).isLessThan(cap + 3 * 20 + TOLERANCE_MS);
    // one probe per open wait while the database stays down (1, 2, 2 s), not 50 calls a second
    assertThat(probesWhileDown).isBetween(3, 6);
  }
}
