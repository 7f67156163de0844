package dev.larder.benchmarks.scenarios;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.benchmarks.Latencies;
import dev.larder.benchmarks.Load;
import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import dev.larder.benchmarks.Servers;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryBudget;
import dev.larder.resilience.RetryPolicy;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresServer;
import io.github.resilience4j.retry.Retry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The PostgreSQL primary is stopped for a window under steady load and started again. Five clients
 * run at once, each on its own pool of the same size:
 *
 * <ul>
 *   <li>Larder's cache (loader breaker, stale fallback) against plain cache-aside on Redis whose
 *       database call goes through resilience4j's default {@code Retry} (3 attempts, 500 ms apart),
 *       both with the same 2 s TTL;
 *   <li>uncached reads through resilience4j's default retry, Larder's interactive retry policy
 *       without a budget, and the same policy with Larder's default retry budget, to show retry
 *       amplification (database attempts per call) during the outage.
 * </ul>
 */
public final class OutageScenario implements Scenario {
  private static final int KEYS = 100;
  private static final int POOL = 4;

  @Override
  public String name() {
    return "outage";
  }

  /** What one client saw in one phase. */
  private static final class Phase {
    final LongAdder calls = new LongAdder();
    final LongAdder successes = new LongAdder();
    final LongAdder stale = new LongAdder();
    final LongAdder dbCalls = new LongAdder();
    final Latencies latencies = new Latencies();

    double successRate() {
      return calls.sum() == 0 ? Double.NaN : 100.0 * successes.sum() / calls.sum();
    }

    double amplification() {
      return calls.sum() == 0 ? Double.NaN : (double) dbCalls.sum() / calls.sum();
    }
  }

  /** One client: a name, its request and per-phase statistics. */
  private static final class Client {
    final String name;
    final Phase[] phases = {new Phase(), new Phase(), new Phase()};

    /**
     * When this client first got a fresh (not stale) answer after the primary was back; 0 until
     * then.
     */
    final AtomicLong firstFreshAfterBack = new AtomicLong();

    @SuppressWarnings("NullAway.Init") // set right after construction, before any phase runs
    Request request;

    Client(String name) {
      this.name = name;
    }
  }

  @FunctionalInterface
  private interface Request {
    /** Returns whether the answer was stale; throws if the caller got no answer. */
    boolean call(int key, Phase phase) throws Exception;
  }

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    long before = quick ? 3_000 : 5_000;
    long outage = quick ? 8_000 : 30_000;
    long after = quick ? 4_000 : 10_000;
    int threads = quick ? 3 : 4;
    long thinkMillis = 10;
    Duration ttl = Duration.ofSeconds(2);
    Params params =
        Params.quick(quick)
            .with("outage_ms", outage)
            .with("threads_per_cache_client", threads)
            .with("threads_per_uncached_client", 2 * threads)
            .with("think_ms", thinkMillis)
            .with("budget", "ratio 0.1, min 1/s, window 10 s")
            .with("ttl_ms", ttl.toMillis())
            .with("keys", KEYS)
            .with("pool", POOL);

    PostgresServer primary = LarderServices.postgres().primary();
    List<Client> clients = new ArrayList<>();
    AtomicInteger phase = new AtomicInteger();
    AtomicLong primaryBack =
        new AtomicLong(); // System.nanoTime() once start() returned: accepting connections
    try (Servers servers = new Servers()) {
      String db = servers.database("bench_outage");
      try (Connection c = primary.dataSource(db).getConnection()) {
        c.createStatement().execute("CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)");
        c.createStatement()
            .execute(
                "INSERT INTO items SELECT g, 'item-' || g FROM generate_series(0, "
                    + (KEYS - 1)
                    + ") g");
      }

      Client larder = new Client("larder (breaker + stale)");
      HikariDataSource larderPool = pool(servers, primary, db, "larder");
      LarderCache<String> cache =
          servers.closeLater(
              LarderCache.newBuilder(CacheCodec.utf8())
                  .namespace(KeyNamespace.of("bench-outage-" + System.nanoTime(), 1))
                  .redisson(servers.redisson(8))
                  .ttl(ttl)
                  .maxStale(Duration.ofMinutes(10))
                  .l1Ttl(Duration.ofSeconds(1))
                  .loadTimeout(Duration.ofSeconds(1))
                  .build());
      larder.request =
          (key, ph) -> {
            CacheResult<String> r =
                cache.lookup(
                    Integer.toString(key),
                    k -> Optional.of(query(larderPool, Integer.parseInt(k), ph)));
            return r.isStale();
          };
      clients.add(larder);

      Client aside = new Client("cache-aside + r4j retry");
      HikariDataSource asidePool = pool(servers, primary, db, "aside");
      RedissonClient redisson = servers.redisson(8);
      Retry asideRetry = Retry.ofDefaults("bench-aside");
      String prefix = "bench-outage-aside-" + System.nanoTime() + ":";
      aside.request =
          (key, ph) -> {
            RBucket<String> bucket = redisson.getBucket(prefix + key, StringCodec.INSTANCE);
            String v = bucket.get();
            if (v == null) {
              v = asideRetry.executeCallable(() -> query(asidePool, key, ph));
              bucket.set(v, ttl);
            }
            return false;
          };
      clients.add(aside);

      Client r4j = new Client("no cache, r4j default retry");
      HikariDataSource r4jPool = pool(servers, primary, db, "r4j");
      Retry r4jRetry = Retry.ofDefaults("bench-r4j");
      r4j.request =
          (key, ph) -> {
            r4jRetry.executeCallable(() -> query(r4jPool, key, ph));
            return false;
          };
      clients.add(r4j);

      Client noBudget = new Client("no cache, larder retry, no budget");
      HikariDataSource noBudgetPool = pool(servers, primary, db, "nobudget");
      RetryPolicy policy = RetryPolicy.interactiveBuilder("bench-nobudget").build();
      noBudget.request =
          (key, ph) -> {
            policy.callChecked(true, () -> query(noBudgetPool, key, ph));
            return false;
          };
      clients.add(noBudget);

      Client budget = new Client("no cache, larder retry + budget");
      HikariDataSource budgetPool = pool(servers, primary, db, "budget");
      // The default floor (10 retries/s) is meant for quiet services; this scenario's few callers
      // would stay under it, so the floor is 1/s and the ratio is the default 10 %.
      Resilience withBudget =
          Resilience.of(
              RetryPolicy.interactiveBuilder("bench-budget").build(),
              RetryBudget.builder("bench-budget").minRetriesPerSecond(1).build());
      budget.request =
          (key, ph) -> {
            withBudget.callChecked(true, () -> query(budgetPool, key, ph));
            return false;
          };
      clients.add(budget);

      // Warm: every key cached by both caches, every pool connected.
      Phase scratch = new Phase();
      for (int k = 0; k < KEYS; k++) {
        for (Client c : clients) {
          c.request.call(k, scratch);
        }
      }

      AtomicBoolean running = new AtomicBoolean(true);
      Thread driver =
          new Thread(
              () -> {
                Load.sleep(before);
                report.line("  stopping the primary");
                phase.set(1); // calls that meet the shutdown count as outage calls
                primary.stop();
                Load.sleep(outage);
                phase.set(2); // the recovery (restart, pools reconnecting) counts as "after"
                report.line("  starting the primary");
                primary.start();
                primaryBack.set(System.nanoTime());
                Load.sleep(after);
                running.set(false);
              },
              "outage-driver");
      driver.start();
      try {
        // The uncached clients get twice the callers: retries matter when many calls fail at once.
        int cached = 2 * threads;
        Load.together(
            cached + 3 * 2 * threads,
            i -> {
              Client c = i < cached ? clients.get(i % 2) : clients.get(2 + (i - cached) % 3);
              while (running.get()) {
                int p = phase.get();
                Phase ph = c.phases[p];
                long start = System.nanoTime();
                ph.calls.increment();
                try {
                  boolean stale = c.request.call(ThreadLocalRandom.current().nextInt(KEYS), ph);
                  ph.successes.increment();
                  if (stale) {
                    ph.stale.increment();
                  } else if (p == 2 && primaryBack.get() != 0) {
                    c.firstFreshAfterBack.compareAndSet(0, System.nanoTime());
                  }
                } catch (Exception e) {
                  // a failed call is what the success rate counts
                }
                ph.latencies.record(System.nanoTime() - start);
                Load.sleep(thinkMillis);
              }
            });
      } finally {
        driver.join();
        if (!primary.isRunning()) {
          primary.start();
        }
      }
    }

    String[] phaseNames = {"before", "outage", "after"};
    report.line("");
    report.line(
        String.format(
            Locale.ROOT,
            "  %-34s %-7s %7s %9s %7s %9s %9s %8s",
            "client",
            "phase",
            "calls",
            "success%",
            "stale",
            "p99 ms",
            "db calls",
            "db/call"));
    for (Client c : clients) {
      for (int p = 0; p < 3; p++) {
        Phase ph = c.phases[p];
        report.line(
            String.format(
                Locale.ROOT,
                "  %-34s %-7s %7d %9.1f %7d %9.1f %9d %8.2f",
                c.name,
                phaseNames[p],
                ph.calls.sum(),
                ph.successRate(),
                ph.stale.sum(),
                ph.latencies.percentileMillis(99),
                ph.dbCalls.sum(),
                ph.amplification()));
      }
    }

    long back = primaryBack.get();
    double larderRecovery = recoveryMillis(clients.get(0), back);
    double plainRecovery = recoveryMillis(clients.get(2), back);
    report.line("");
    report.line(
        String.format(
            Locale.ROOT,
            "  first fresh answer after the primary accepted connections again: larder %.0f ms"
                + " (stale answers until then), no cache + r4j retry %.0f ms",
            larderRecovery,
            plainRecovery));

    Phase l = clients.get(0).phases[1];
    Phase a = clients.get(1).phases[1];
    Phase r = clients.get(2).phases[1];
    Phase nb = clients.get(3).phases[1];
    Phase b = clients.get(4).phases[1];
    String anchor = "cache-aside + resilience4j default retry";
    String retryAnchor = "resilience4j default retry";
    Params p = params.plus("window", "outage");
    return List.of(
        new Measurement(
            name(), "success_rate", "%", l.successRate(), a.successRate(), anchor, p.map()),
        new Measurement(
            name(), "stale_serves", "calls", l.stale.sum(), a.stale.sum(), anchor, p.map()),
        new Measurement(
            name(),
            "p99_latency",
            "ms",
            l.latencies.percentileMillis(99),
            a.latencies.percentileMillis(99),
            anchor,
            p.map()),
        new Measurement(
            name(), "db_calls", "calls", l.dbCalls.sum(), a.dbCalls.sum(), anchor, p.map()),
        new Measurement(
            name(),
            "retry_amplification",
            "db attempts/call",
            b.amplification(),
            r.amplification(),
            retryAnchor,
            p.plus("larder", "interactive policy + budget (10 %, floor 1/s)").map()),
        new Measurement(
            name(),
            "retry_amplification",
            "db attempts/call",
            nb.amplification(),
            r.amplification(),
            retryAnchor,
            p.plus("larder", "interactive policy, no budget").map()),
        new Measurement(
            name(),
            "recovery",
            "ms",
            larderRecovery,
            plainRecovery,
            "no cache, resilience4j default retry",
            params
                .plus("window", "after")
                .plus("measured", "primary accepting connections -> first fresh answer")
                .map()));
  }

  /**
   * Milliseconds from the primary's return to the client's first fresh answer; NaN if none came.
   */
  private static double recoveryMillis(Client c, long back) {
    long first = c.firstFreshAfterBack.get();
    return first == 0 || back == 0 ? Double.NaN : (first - back) / 1e6;
  }

  private static HikariDataSource pool(
      Servers servers, PostgresServer primary, String db, String name) {
    HikariDataSource ds = servers.pool(primary, db, POOL, "outage-" + name);
    ds.setConnectionTimeout(
        250); // the shortest HikariCP allows: fail fast while the database is gone
    return ds;
  }

  private static String query(DataSource ds, int key, Phase phase) throws SQLException {
    phase.dbCalls.increment();
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT v FROM items WHERE id = ?")) {
      ps.setInt(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("no row " + key);
        }
        return rs.getString(1);
      }
    }
  }
}
