package dev.larder.benchmarks;

import dev.larder.benchmarks.jmh.HotPathsScenario;
import dev.larder.benchmarks.scenarios.InvalidationScenario;
import dev.larder.benchmarks.scenarios.KeysetScenario;
import dev.larder.benchmarks.scenarios.OutageScenario;
import dev.larder.benchmarks.scenarios.RoutingScenario;
import dev.larder.benchmarks.scenarios.StampedeScenario;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario runner: {@code java -jar larder-benchmarks-all.jar [--quick] [--only name,name]
 * [--plots dir]}.
 *
 * <p>Runs each scenario, prints its table as it finishes and, at the very end, one JSON line per
 * metric (the output contract in benchmarks/README.md). Exits non-zero if any scenario failed.
 */
public final class Scenarios {
  private Scenarios() {}

  /**
   * The scenarios this build knows, by name, in run order.
   *
   * @return the registry
   */
  static Map<String, Scenario> registry() {
    Map<String, Scenario> all = new LinkedHashMap<>();
    for (Scenario s :
        List.of(
            new StampedeScenario(),
            new InvalidationScenario(),
            new KeysetScenario(),
            new OutageScenario(),
            new RoutingScenario(),
            new HotPathsScenario())) {
      all.put(s.name(), s);
    }
    return all;
  }

  /**
   * Runs the scenarios named on the command line (all by default).
   *
   * @param args {@code --quick} for CI sizes, {@code --only a,b} to pick scenarios, {@code --plots
   *     dir} where charts go (default {@code target/benchmark-plots})
   * @throws Exception never on purpose; a failing scenario is reported and makes the exit code 1
   */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<String> only = new ArrayList<>();
    // Not docs/benchmarks: a quick run from the repository root must not overwrite the published
    // charts; pass --plots docs/benchmarks for a run that is meant to replace them.
    Path plots = Path.of("target", "benchmark-plots");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--only needs a comma-separated list of scenarios");
          }
          only.addAll(List.of(args[++i].split(",")));
        }
        case "--plots" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--plots needs a directory");
          }
          plots = Path.of(args[++i]);
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument '"
                    + args[i]
                    + "'; use --quick, --only name,name and --plots dir");
      }
    }
    System.exit(run(quick, only, new Report(System.out), new Plots(plots)));
  }

  static int run(boolean quick, List<String> only, Report report, Plots plots) {
    Map<String, Scenario> registry = registry();
    for (String name : only) {
      if (!registry.containsKey(name)) {
        throw new IllegalArgumentException(
            "unknown scenario '" + name + "'; known: " + registry.keySet());
      }
    }
    List<Measurement> all = new ArrayList<>();
    int failed = 0;
    for (Scenario s : registry.values()) {
      if (!only.isEmpty() && !only.contains(s.name())) {
        continue;
      }
      report.line("== " + s.name() + (quick ? " (quick)" : ""));
      long start = System.nanoTime();
      try {
        List<Measurement> ms = s.run(quick, report, plots);
        report.line(
            String.format(
                java.util.Locale.ROOT,
                "  (%s took %.1f s)",
                s.name(),
                (System.nanoTime() - start) / 1e9));
        report.table(s.name(), ms);
        all.addAll(ms);
      } catch (Exception e) {
        failed++;
        report.line("scenario " + s.name() + " failed: " + e);
        e.printStackTrace(System.err);
      }
    }
    for (Measurement m : all) {
      report.line(m.toJson());
    }
    return failed == 0 ? 0 : 1;
  }
}
