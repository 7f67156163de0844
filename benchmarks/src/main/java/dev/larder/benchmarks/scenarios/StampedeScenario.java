package dev.larder.benchmarks.scenarios;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.benchmarks.Latencies;
import dev.larder.benchmarks.Load;
import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import dev.larder.benchmarks.Servers;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * M instances × T threads ask for the same few cold keys at once; the loader is slow and runs on a
 * "database" with a few connections (a fair semaphore), as a real one would. Counts loader calls
 * and caller latency for Larder, naive cache-aside on Redis (get, miss, load, set) and a Caffeine
 * cache per instance (single-flight inside a JVM only).
 */
public final class StampedeScenario implements Scenario {

  @Override
  public String name() {
    return "stampede";
  }

  /** One simulated instance of an approach. */
  private interface Instance {
    @Nullable String get(String key) throws Exception;
  }

  private record Result(String approach, int callers, int loaderCalls, double p50, double p99) {}

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    int instances = quick ? 2 : 4;
    int[] threadsPerInstance = quick ? new int[] {2, 8} : new int[] {1, 4, 16, 32};
    int keys = quick ? 2 : 4;
    long loadMillis = quick ? 50 : 100;
    int dbConnections = 4;
    int rounds = quick ? 1 : 3;
    Params params =
        Params.quick(quick)
            .with("instances", instances)
            .with("keys", keys)
            .with("load_ms", loadMillis)
            .with("db_connections", dbConnections)
            .with("rounds", rounds);

    Semaphore database = new Semaphore(dbConnections, true);
    AtomicInteger loads = new AtomicInteger();
    Loader loader =
        key -> {
          database.acquire();
          try {
            loads.incrementAndGet();
            Thread.sleep(loadMillis);
            return "value-of-" + key;
          } finally {
            database.release();
          }
        };

    List<Result> results = new ArrayList<>();
    int maxThreads = threadsPerInstance[threadsPerInstance.length - 1];
    try (Servers servers = new Servers()) {
      Map<String, List<Instance>> approaches = new LinkedHashMap<>();
      approaches.put("larder", larder(servers, instances, maxThreads, loader));
      approaches.put("naive cache-aside", naive(servers, instances, maxThreads, loader));
      approaches.put("caffeine-only", caffeineOnly(instances, loader));
      int round = 0;
      // Warm-up: JIT, Redis scripts, connections; not recorded.
      for (List<Instance> members : approaches.values()) {
        runRound(members, 2, keys, "warm" + round++, loads, new Latencies());
      }
      for (int t : threadsPerInstance) {
        for (Map.Entry<String, List<Instance>> e : approaches.entrySet()) {
          Latencies latencies = new Latencies();
          int calls = 0;
          for (int r = 0; r < rounds; r++) {
            calls += runRound(e.getValue(), t, keys, "r" + round++, loads, latencies);
          }
          results.add(
              new Result(
                  e.getKey(),
                  instances * t,
                  Math.round((float) calls / rounds),
                  latencies.percentileMillis(50),
                  latencies.percentileMillis(99)));
        }
        report.line(String.format(Locale.ROOT, "  %d callers done", instances * t));
      }
    }

    report.line("");
    report.line(
        String.format(
            Locale.ROOT,
            "  %-18s %8s %13s %9s %9s",
            "approach",
            "callers",
            "loader calls",
            "p50 ms",
            "p99 ms"));
    for (Result r : results) {
      report.line(
          String.format(
              Locale.ROOT,
              "  %-18s %8d %13d %9.1f %9.1f",
              r.approach(),
              r.callers(),
              r.loaderCalls(),
              r.p50(),
              r.p99()));
    }

    List<Plots.Series> series = new ArrayList<>();
    for (String approach : List.of("larder", "naive cache-aside", "caffeine-only")) {
      List<Integer> x = new ArrayList<>();
      List<Integer> y = new ArrayList<>();
      for (Result r : results) {
        if (r.approach().equals(approach)) {
          x.add(r.callers());
          y.add(Math.max(1, r.loaderCalls()));
        }
      }
      series.add(new Plots.Series(approach, x, y));
    }
    plots.lines(
        "stampede-loads.png",
        "Stampede: loader calls per cold round (" + instances + " instances, " + keys + " keys)",
        "concurrent callers (instances x threads)",
        "loader calls",
        true,
        true,
        series);

    Result l = top(results, "larder");
    Result n = top(results, "naive cache-aside");
    Result c = top(results, "caffeine-only");
    Params p = params.plus("threads_per_instance", maxThreads).plus("callers", l.callers());
    return List.of(
        new Measurement(
            name(),
            "loader_calls",
            "calls",
            l.loaderCalls(),
            n.loaderCalls(),
            "naive cache-aside",
            p.map()),
        new Measurement(
            name(),
            "loader_calls",
            "calls",
            l.loaderCalls(),
            c.loaderCalls(),
            "caffeine-only",
            p.map()),
        new Measurement(
            name(), "p50_latency", "ms", l.p50(), n.p50(), "naive cache-aside", p.map()),
        new Measurement(
            name(), "p99_latency", "ms", l.p99(), n.p99(), "naive cache-aside", p.map()),
        new Measurement(name(), "p99_latency", "ms", l.p99(), c.p99(), "caffeine-only", p.map()));
  }

  private static Result top(List<Result> results, String approach) {
    Result best = null;
    for (Result r : results) {
      if (r.approach().equals(approach)) {
        best = r;
      }
    }
    if (best == null) {
      throw new IllegalStateException("no result for " + approach);
    }
    return best;
  }

  /** Every caller of every instance asks for one of the round's fresh keys at the same moment. */
  private static int runRound(
      List<Instance> members,
      int threadsPerInstance,
      int keys,
      String round,
      AtomicInteger loads,
      Latencies latencies)
      throws Exception {
    int before = loads.get();
    int callers = members.size() * threadsPerInstance;
    Load.together(
        callers,
        i -> {
          Instance instance = members.get(i % members.size());
          String key =
              "stampede:"
                  + round
                  + ":"
                  + (i / members.size() % keys); // every instance asks for every key
          long start = System.nanoTime();
          String v = instance.get(key);
          latencies.record(System.nanoTime() - start);
          if (!("value-of-" + key).equals(v)) {
            throw new IllegalStateException("wrong value for " + key + ": " + v);
          }
        });
    return loads.get() - before;
  }

  @FunctionalInterface
  private interface Loader {
    String load(String key) throws Exception;
  }

  private static List<Instance> larder(Servers servers, int instances, int threads, Loader loader) {
    List<Instance> out = new ArrayList<>();
    KeyNamespace ns = KeyNamespace.of("bench-stampede-" + System.nanoTime(), 1);
    for (int i = 0; i < instances; i++) {
      RedissonClient redisson = servers.redisson(Math.max(8, threads));
      LarderCache<String> cache =
          servers.closeLater(
              LarderCache.newBuilder(CacheCodec.utf8())
                  .namespace(ns)
                  .redisson(redisson)
                  .ttl(Duration.ofMinutes(5))
                  .build());
      out.add(key -> cache.get(key, k -> Optional.of(loader.load(k))));
    }
    return out;
  }

  private static List<Instance> naive(Servers servers, int instances, int threads, Loader loader) {
    List<Instance> out = new ArrayList<>();
    String prefix = "bench-naive-" + System.nanoTime() + ":";
    for (int i = 0; i < instances; i++) {
      RedissonClient redisson = servers.redisson(Math.max(8, threads));
      out.add(
          key -> {
            RBucket<String> bucket = redisson.getBucket(prefix + key, StringCodec.INSTANCE);
            String v = bucket.get();
            if (v == null) {
              v = loader.load(key);
              bucket.set(v, Duration.ofMinutes(5));
            }
            return v;
          });
    }
    return out;
  }

  private static List<Instance> caffeineOnly(int instances, Loader loader) {
    List<Instance> out = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      Cache<String, String> cache =
          Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();
      out.add(
          key ->
              cache.get(
                  key,
                  k -> {
                    try {
                      return loader.load(k);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  }));
    }
    return out;
  }
}
