package dev.larder.benchmarks.jmh;

import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the JMH hot-path benchmarks (each Larder path and its anchor in the same run) and reports
 * Larder/anchor ratios of the average time per operation. Quick mode runs in this JVM (no fork)
 * with one-second iterations: a smoke check, not a measurement.
 */
public final class HotPathsScenario implements Scenario {
  private static final String[] TIER_PROPERTIES = {
    "larder.test.services",
    "larder.test.mongo",
    "larder.test.redis.image",
    "larder.test.postgres.image"
  };

  @Override
  public String name() {
    return "hotpaths";
  }

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    int forks = quick ? 0 : 1;
    int warmups = quick ? 1 : 3;
    int iterations = quick ? 1 : 5;
    int seconds = quick ? 1 : 3;
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(CacheHitBenchmark.class.getName() + "\\.")
            .include(RoutedReadBenchmark.class.getName() + "\\.")
            .forks(forks)
            .threads(1)
            .warmupIterations(warmups)
            .warmupTime(TimeValue.seconds(seconds))
            .measurementIterations(iterations)
            .measurementTime(TimeValue.seconds(seconds))
            .shouldFailOnError(true)
            .verbosity(quick ? VerboseMode.SILENT : VerboseMode.NORMAL);
    List<String> jvmArgs = new ArrayList<>();
    for (String p : TIER_PROPERTIES) {
      String v = System.getProperty(p);
      if (v != null) {
        jvmArgs.add("-D" + p + "=" + v);
      }
    }
    if (!jvmArgs.isEmpty()) {
      options.jvmArgsAppend(jvmArgs.toArray(String[]::new));
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    Map<String, double[]> scores = new HashMap<>();
    Map<String, String> units = new HashMap<>();
    report.line("");
    report.line(
        String.format(Locale.ROOT, "  %-45s %12s %10s  %s", "benchmark", "score", "error", "unit"));
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
      double score = r.getPrimaryResult().getScore();
      double error = r.getPrimaryResult().getScoreError();
      scores.put(shortName, new double[] {score, error});
      units.put(shortName, r.getPrimaryResult().getScoreUnit());
      report.line(
          String.format(
              Locale.ROOT,
              "  %-45s %12.3f %10.3f  %s",
              shortName,
              score,
              Double.isNaN(error) ? 0.0 : error,
              r.getPrimaryResult().getScoreUnit()));
    }
    Params params =
        Params.quick(quick)
            .with("forks", forks)
            .with("warmup_iterations", warmups)
            .with("iterations", iterations)
            .with("iteration_s", seconds)
            .with("threads", 1)
            .with("mode", "avgt");
    return List.of(
        pair(
            "l1_hit",
            "CacheHitBenchmark.larderL1Hit",
            "CacheHitBenchmark.caffeineGetIfPresent",
            "caffeine getIfPresent",
            scores,
            units,
            params),
        pair(
            "l2_hit",
            "CacheHitBenchmark.larderL2Hit",
            "CacheHitBenchmark.redissonBucketGet",
            "redisson RBucket.get",
            scores,
            units,
            params),
        pair(
            "routed_read",
            "RoutedReadBenchmark.larderRoutedRead",
            "RoutedReadBenchmark.hikariDirectRead",
            "direct HikariCP connection, same query",
            scores,
            units,
            params),
        pair(
            "routed_read",
            "RoutedReadBenchmark.larderRoutedRead",
            "RoutedReadBenchmark.jdbiDirectRead",
            "plain JDBI on the same pool",
            scores,
            units,
            params),
        pair(
            "primary_read",
            "RoutedReadBenchmark.larderPrimaryRead",
            "RoutedReadBenchmark.hikariPrimaryRead",
            "direct HikariCP connection to the primary, same query",
            scores,
            units,
            params.plus("standbys", 0).plus("primary_read_pool", false)),
        pair(
            "primary_read",
            "RoutedReadBenchmark.larderPrimaryReadPoolRead",
            "RoutedReadBenchmark.hikariPrimaryRead",
            "direct HikariCP connection to the primary, same query",
            scores,
            units,
            params.plus("standbys", 0).plus("primary_read_pool", true)));
  }

  private Measurement pair(
      String metric,
      String larder,
      String anchor,
      String anchorName,
      Map<String, double[]> scores,
      Map<String, String> units,
      Params params) {
    double[] l = scores.get(larder);
    double[] a = scores.get(anchor);
    if (l == null || a == null) {
      throw new IllegalStateException(
          "JMH did not report " + larder + " and " + anchor + "; got " + scores.keySet());
    }
    return new Measurement(
        name(),
        metric,
        units.getOrDefault(larder, "?"),
        l[0],
        a[0],
        anchorName,
        params.plus("larder_error", round(l[1])).plus("anchor_error", round(a[1])).map());
  }

  private static double round(double d) {
    return Double.isNaN(d) ? 0 : Math.round(d * 1000) / 1000.0;
  }
}
