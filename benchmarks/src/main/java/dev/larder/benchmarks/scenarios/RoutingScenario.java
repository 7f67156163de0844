package dev.larder.benchmarks.scenarios;

import dev.larder.benchmarks.Latencies;
import dev.larder.benchmarks.Load;
import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import dev.larder.benchmarks.Servers;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.RoutingJdbi;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;

/**
 * Read throughput of a point query with T threads for a fixed time: plain JDBI on a HikariCP pool
 * of the primary (the anchor) against {@link RoutingJdbi} with no standby (every read on the
 * primary, through the router: by default in a {@code READ ONLY} transaction on the primary's pool,
 * and with a primary read pool of read-only sessions of the same size, in auto-commit) and with the
 * testkit's one streaming standby. The testkit has one standby, so "2 standbys" is not measured;
 * and on a 2-core machine primary, standby and the benchmark share the same cores, so a standby
 * cannot add capacity here: this measures the router's cost and that reads really move, not
 * scale-out.
 */
public final class RoutingScenario implements Scenario {
  private static final int ROWS = 10_000;
  private static final String SQL = "SELECT v FROM items WHERE id = :id";
  private static final String ZERO_READ_POOL = "larder routing, 0 standbys, primary read pool";

  @Override
  public String name() {
    return "routing";
  }

  @FunctionalInterface
  private interface Reader {
    String read(int id) throws Exception;
  }

  private static Result measured(Map<String, Result> merged, String side) {
    Result r = merged.get(side);
    if (r == null) {
      throw new IllegalStateException("no result for '" + side + "'; got " + merged.keySet());
    }
    return r;
  }

  private record Result(double opsPerSecond, double p50, double p99) {}

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    int threads = quick ? 4 : 8;
    long millis = quick ? 2_000 : 10_000;
    int rounds = quick ? 1 : 2;
    Params params =
        Params.quick(quick)
            .with("threads", threads)
            .with("seconds_per_round", millis / 1000)
            .with("rounds", rounds)
            .with("rows", ROWS)
            .with("standbys_available", 1)
            .with("cores", Runtime.getRuntime().availableProcessors());
    PostgresCluster pg = LarderServices.postgres();
    Map<String, List<Result>> results = new LinkedHashMap<>();
    try (Servers servers = new Servers()) {
      String db = servers.database("bench_routing");
      Jdbi.create(pg.primary().dataSource(db))
          .useHandle(
              h -> {
                h.execute("CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)");
                h.execute(
                    "INSERT INTO items SELECT g, md5(g::text) FROM generate_series(0, ?) g",
                    ROWS - 1);
                h.execute("ANALYZE items");
              });
      pg.awaitStandbyCaughtUp(Duration.ofSeconds(30));
      DataSource primaryPool = servers.pool(pg.primary(), db, threads, "routing-primary");
      DataSource standbyPool = servers.pool(pg.standby(), db, threads, "routing-standby");
      // as large as the anchor's pool, so both sides have the same connections to the primary
      DataSource primaryReads =
          servers.readOnlyPool(pg.primary(), db, threads, "routing-primary-reads");

      Jdbi plain = Jdbi.create(primaryPool);
      ReplicaRouter none = servers.closeLater(ReplicaRouter.builder().primary(primaryPool).build());
      RoutingJdbi routedNone = RoutingJdbi.create(none);
      ReplicaRouter noneReadPool =
          servers.closeLater(
              ReplicaRouter.builder().primary(primaryPool).primaryReadPool(primaryReads).build());
      RoutingJdbi routedNoneReadPool = RoutingJdbi.create(noneReadPool);
      ReplicaRouter one =
          servers.closeLater(
              ReplicaRouter.builder().primary(primaryPool).replica("standby", standbyPool).build());
      RoutingJdbi routedOne = RoutingJdbi.create(one);

      Map<String, Reader> readers = new LinkedHashMap<>();
      readers.put(
          "primary only (plain JDBI)",
          id -> plain.withHandle(h -> h.createQuery(SQL).bind("id", id).mapTo(String.class).one()));
      readers.put(
          "larder routing, 0 standbys",
          id -> routedNone.read(h -> h.createQuery(SQL).bind("id", id).mapTo(String.class).one()));
      readers.put(
          ZERO_READ_POOL,
          id ->
              routedNoneReadPool.read(
                  h -> h.createQuery(SQL).bind("id", id).mapTo(String.class).one()));
      readers.put(
          "larder routing, 1 standby",
          id -> routedOne.read(h -> h.createQuery(SQL).bind("id", id).mapTo(String.class).one()));
      for (Reader r : readers.values()) { // warm every path: JIT, pools, plans
        for (int i = 0; i < (quick ? 200 : 2_000); i++) {
          r.read(i);
        }
      }
      one.checkNow();
      if (!noneReadPool.primaryReadPoolInUse()) {
        throw new IllegalStateException("the primary read pool is not in use");
      }
      if (!one.replica("standby").inRotation()) {
        throw new IllegalStateException(
            "the standby is not in rotation: " + one.replica("standby"));
      }
      for (int round = 0; round < rounds; round++) {
        for (Map.Entry<String, Reader> e : readers.entrySet()) {
          results
              .computeIfAbsent(e.getKey(), k -> new ArrayList<>())
              .add(measure(e.getValue(), threads, millis));
        }
      }
      report.line(
          "  router status: " + one.replicas() + ", primary fallbacks: " + one.primaryFallbacks());
    }

    report.line("");
    report.line(
        String.format(Locale.ROOT, "  %-46s %12s %9s %9s", "setup", "reads/s", "p50 ms", "p99 ms"));
    Map<String, Result> merged = new LinkedHashMap<>();
    for (Map.Entry<String, List<Result>> e : results.entrySet()) {
      double ops =
          e.getValue().stream().mapToDouble(Result::opsPerSecond).average().orElse(Double.NaN);
      double p50 = e.getValue().stream().mapToDouble(Result::p50).average().orElse(Double.NaN);
      double p99 = e.getValue().stream().mapToDouble(Result::p99).average().orElse(Double.NaN);
      merged.put(e.getKey(), new Result(ops, p50, p99));
      report.line(
          String.format(Locale.ROOT, "  %-46s %12.0f %9.3f %9.3f", e.getKey(), ops, p50, p99));
    }
    Result anchor = measured(merged, "primary only (plain JDBI)");
    Result zero = measured(merged, "larder routing, 0 standbys");
    Result zeroReadPool = measured(merged, ZERO_READ_POOL);
    Result oneStandby = measured(merged, "larder routing, 1 standby");
    String anchorName = "plain JDBI on the primary's HikariCP pool";
    return List.of(
        new Measurement(
            name(),
            "read_throughput",
            "ops/s",
            zero.opsPerSecond(),
            anchor.opsPerSecond(),
            anchorName,
            params.plus("standbys", 0).plus("primary_read_pool", false).map()),
        new Measurement(
            name(),
            "read_throughput",
            "ops/s",
            zeroReadPool.opsPerSecond(),
            anchor.opsPerSecond(),
            anchorName,
            params.plus("standbys", 0).plus("primary_read_pool", true).map()),
        new Measurement(
            name(),
            "read_throughput",
            "ops/s",
            oneStandby.opsPerSecond(),
            anchor.opsPerSecond(),
            anchorName,
            params.plus("standbys", 1).map()),
        new Measurement(
            name(),
            "read_p99_latency",
            "ms",
            oneStandby.p99(),
            anchor.p99(),
            anchorName,
            params.plus("standbys", 1).map()));
  }

  private static Result measure(Reader reader, int threads, long millis) throws Exception {
    LongAdder ops = new LongAdder();
    Latencies latencies = new Latencies();
    long start = System.nanoTime();
    long end = start + millis * 1_000_000L;
    Load.together(
        threads,
        i -> {
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            reader.read(rnd.nextInt(ROWS));
            latencies.record(System.nanoTime() - t0);
            ops.increment();
          }
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(
        ops.sum() / seconds, latencies.percentileMillis(50), latencies.percentileMillis(99));
  }
}
