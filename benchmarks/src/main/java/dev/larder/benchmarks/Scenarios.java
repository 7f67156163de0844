package dev.larder.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario runner: {@code java -cp benchmarks.jar dev.larder.benchmarks.Scenarios [--quick]
 * [--only name,name]}.
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
    // Scenarios register here as the patterns they measure land (stampede, invalidation, keyset,
    // outage, routing).
    return all;
  }

  /**
   * Runs the scenarios named on the command line (all by default).
   *
   * @param args {@code --quick} for CI sizes, {@code --only a,b} to pick scenarios
   * @throws Exception never on purpose; a failing scenario is reported and makes the exit code 1
   */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    List<String> only = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--only needs a comma-separated list of scenarios");
          }
          only.addAll(List.of(args[++i].split(",")));
        }
        default -> throw new IllegalArgumentException("unknown argument '" + args[i]
            + "'; use --quick and --only name,name");
      }
    }
    System.exit(run(quick, only, new Report(System.out)));
  }

  static int run(boolean quick, List<String> only, Report report) {
    Map<String, Scenario> registry = registry();
    for (String name : only) {
      if (!registry.containsKey(name)) {
        throw new IllegalArgumentException("unknown scenario '" + name + "'; known: " + registry.keySet());
      }
    }
    List<Measurement> all = new ArrayList<>();
    int failed = 0;
    for (Scenario s : registry.values()) {
      if (!only.isEmpty() && !only.contains(s.name())) {
        continue;
      }
      report.line("== " + s.name() + (quick ? " (quick)" : ""));
      try {
        List<Measurement> ms = s.run(quick, report);
        report.table(s.name(), ms);
        all.addAll(ms);
      } catch (Exception e) {
        failed++;
        report.line("scenario " + s.name() + " failed: " + e);
      }
    }
    for (Measurement m : all) {
      report.line(m.toJson());
    }
    return failed == 0 ? 0 : 1;
  }
}
