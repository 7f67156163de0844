package dev.larder.benchmarks.scenarios;

import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import dev.larder.benchmarks.Servers;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.cache.LarderCacheBuilder;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.client.codec.StringCodec;

/**
 * Propagation latency of an invalidation: instance A invalidates a key that instance B holds in its
 * local tier; the clock stops when B no longer serves it locally. Larder ({@code invalidate} on A,
 * B's {@code lookup} no longer from L1) against Redisson's {@code RLocalCachedMap} on the same
 * Redis ({@code fastRemove} on A, the key gone from B's {@code getCachedMap()}). Each instance has
 * its own Redisson client, as separate JVMs would. Samples alternate between the two.
 */
public final class InvalidationScenario implements Scenario {
  private static final long POLL_NANOS = 20_000;

  @Override
  public String name() {
    return "invalidation";
  }

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    int samples = quick ? 200 : 2_000;
    long timeoutMillis = 5_000;
    Params params =
        Params.quick(quick)
            .with("samples", samples)
            .with("poll_us", POLL_NANOS / 1000)
            .with("timeout_ms", timeoutMillis);
    long[] larder = new long[samples];
    long[] redisson = new long[samples];
    long[] larderWrite =
        new long[samples]; // how long A's own call took (part of the propagation time)
    long[] redissonWrite = new long[samples];
    int larderTimeouts = 0;
    int redissonTimeouts = 0;
    int larderMissed = 0;
    int redissonMissed = 0;
    try (Servers servers = new Servers()) {
      KeyNamespace ns = KeyNamespace.of("bench-inval-" + System.nanoTime(), 1);
      LarderCache<String> a = servers.closeLater(larderInstance(ns, servers.redisson(4)));
      LarderCache<String> b = servers.closeLater(larderInstance(ns, servers.redisson(4)));
      String mapName = "bench-lcm-" + System.nanoTime();
      RLocalCachedMap<String, String> ma = localCachedMap(servers.redisson(4), mapName);
      RLocalCachedMap<String, String> mb = localCachedMap(servers.redisson(4), mapName);
      // Setup writes go through a plain RMap on the same hash: a put on the local cached map would
      // broadcast an invalidation that could arrive after B filled its local copy.
      RMap<String, String> setup = servers.redisson(2).getMap(mapName, StringCodec.INSTANCE);
      for (int i = -20; i < samples; i++) { // 20 unrecorded samples warm both paths
        String key = "k" + i;
        a.get(key, k -> Optional.of("v1"));
        b.get(key, k -> Optional.of("v1"));
        if (b.lookup(key, k -> Optional.of("v1")).source() != CacheResult.Source.L1) {
          throw new IllegalStateException("B did not hold " + key + " in L1");
        }
        long t0 = System.nanoTime();
        a.invalidate(key);
        long lw = System.nanoTime() - t0;
        // After three timeouts a side is not propagating at all: count the rest as timeouts too
        // rather than wait minutes for the same answer.
        long l =
            larderMissed >= 3
                ? -1
                : await(
                    () -> b.lookup(key, k -> Optional.of("v2")).source() != CacheResult.Source.L1,
                    t0,
                    timeoutMillis);

        setup.fastPut(key, "v1");
        mb.get(key);
        if (!mb.getCachedMap().containsKey(key)) {
          throw new IllegalStateException("B's local cached map did not hold " + key);
        }
        long t1 = System.nanoTime();
        ma.fastRemove(key);
        long rw = System.nanoTime() - t1;
        long r =
            redissonMissed >= 3
                ? -1
                : await(() -> !mb.getCachedMap().containsKey(key), t1, timeoutMillis);
        larderMissed += l < 0 ? 1 : 0;
        redissonMissed += r < 0 ? 1 : 0;
        if (i >= 0) {
          larder[i] = l;
          redisson[i] = r;
          larderWrite[i] = lw;
          redissonWrite[i] = rw;
          larderTimeouts += l < 0 ? 1 : 0;
          redissonTimeouts += r < 0 ? 1 : 0;
        }
      }
    }
    double[] lm = millis(larder);
    double[] rm = millis(redisson);
    report.line("");
    report.line(
        String.format(
            Locale.ROOT,
            "  %-24s %9s %9s %9s %9s %9s %16s",
            "approach",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "timeouts",
            "write call p50"));
    report.line(
        row("larder", lm, larderTimeouts)
            + String.format(Locale.ROOT, " %13.3f ms", pct(millis(larderWrite), 50)));
    report.line(
        row("redisson RLocalCachedMap", rm, redissonTimeouts)
            + String.format(Locale.ROOT, " %13.3f ms", pct(millis(redissonWrite), 50)));
    plots.lines(
        "invalidation-latency.png",
        "Invalidation propagation latency, CDF (" + samples + " samples)",
        "ms until the other instance's local copy is gone (log)",
        "percentile",
        true,
        false,
        List.of(cdf("larder", lm), cdf("redisson RLocalCachedMap", rm)));
    return List.of(
        new Measurement(
            name(),
            "propagation_p50",
            "ms",
            pct(lm, 50),
            pct(rm, 50),
            "redisson RLocalCachedMap",
            params.map()),
        new Measurement(
            name(),
            "propagation_p99",
            "ms",
            pct(lm, 99),
            pct(rm, 99),
            "redisson RLocalCachedMap",
            params.map()),
        new Measurement(
            name(),
            "timeouts",
            "samples",
            larderTimeouts,
            redissonTimeouts,
            "redisson RLocalCachedMap",
            params.map()),
        new Measurement(
            name(),
            "write_call_p50",
            "ms",
            pct(millis(larderWrite), 50),
            pct(millis(redissonWrite), 50),
            "redisson RLocalCachedMap",
            params.map()));
  }

  static LarderCache<String> larderInstance(KeyNamespace ns, RedissonClient client) {
    LarderCacheBuilder<String> builder =
        LarderCache.newBuilder(CacheCodec.utf8())
            .namespace(ns)
            .redisson(client)
            .ttl(Duration.ofMinutes(5));
    return builder.build();
  }

  private static RLocalCachedMap<String, String> localCachedMap(
      RedissonClient client, String name) {
    return client.getLocalCachedMap(
        LocalCachedMapOptions.<String, String>name(name).codec(StringCodec.INSTANCE));
  }

  /**
   * Polls until the condition holds; the nanoseconds from {@code start} to the start of the check
   * that saw it, or -1 on timeout. Timing the start of the check keeps the check's own cost out:
   * Larder's check is a lookup that, once L1 is dropped, goes on to Redis and the loader.
   */
  private static long await(BooleanSupplier dropped, long start, long timeoutMillis) {
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (true) {
      long checkedAt = System.nanoTime();
      if (dropped.getAsBoolean()) {
        return checkedAt - start;
      }
      if (checkedAt > deadline) {
        return -1;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static double[] millis(long[] nanos) {
    return Arrays.stream(nanos).filter(n -> n >= 0).mapToDouble(n -> n / 1e6).sorted().toArray();
  }

  private static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static String row(String name, double[] sorted, int timeouts) {
    return String.format(
        Locale.ROOT,
        "  %-24s %9.3f %9.3f %9.3f %9.3f %9d",
        name,
        pct(sorted, 50),
        pct(sorted, 90),
        pct(sorted, 99),
        sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
        timeouts);
  }

  private static Plots.Series cdf(String name, double[] sorted) {
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    int step = Math.max(1, sorted.length / 200);
    for (int i = 0; i < sorted.length; i += step) {
      x.add(Math.max(0.001, sorted[i]));
      y.add(100.0 * (i + 1) / sorted.length);
    }
    if (sorted.length > 0) {
      x.add(Math.max(0.001, sorted[sorted.length - 1]));
      y.add(100.0);
    }
    return new Plots.Series(name, x, y);
  }
}
