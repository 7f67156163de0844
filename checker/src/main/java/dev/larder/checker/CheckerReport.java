package dev.larder.checker;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a checker run found: the seed and tier, the fault schedule as it ran, operation counts, and
 * the verdict of every check. {@link #table()} is for people, {@link #jsonLine()} for machines,
 * {@link #failureText()} for a failing run (seed, replay command, offending operations).
 *
 * @param config the run's configuration
 * @param tier {@code embedded} or {@code docker}
 * @param faults one line per scheduled fault: planned and actual times, skipped or failed
 * @param faultsInjected how many faults acted
 * @param operations operation counts by kind
 * @param checks the seven checks' results
 * @param anomalies problems of the harness itself (a close that failed, a worker that hung)
 * @param historyFile where the history was written (on failure), or null
 * @param wallMillis how long the run took, set-up and end phase included
 */
public record CheckerReport(
    CheckerConfig config,
    String tier,
    List<String> faults,
    int faultsInjected,
    Map<String, Long> operations,
    List<CheckResult> checks,
    List<String> anomalies,
    @Nullable Path historyFile,
    long wallMillis) {

  /** How many offending operations {@link #failureText()} shows per check (the dump has all). */
  public static final int SHOWN_PER_CHECK = 8;

  /** Copies. */
  public CheckerReport {
    faults = List.copyOf(faults);
    operations = Collections.unmodifiableMap(new LinkedHashMap<>(operations));
    checks = List.copyOf(checks);
    anomalies = List.copyOf(anomalies);
  }

  /**
   * Whether every check held.
   *
   * @return true if nothing broke
   */
  public boolean passed() {
    return checks.stream().allMatch(CheckResult::passed);
  }

  /**
   * The command that replays this run.
   *
   * @return a shell command for the repository root
   */
  public String replayCommand() {
    return config.replayCommand(tier);
  }

  private @Nullable CheckResult check(int number) {
    return checks.stream().filter(c -> c.number() == number).findFirst().orElse(null);
  }

  private Object figure(int check, String name) {
    CheckResult c = check(check);
    Object v = c == null ? null : c.figures().get(name);
    return v == null ? "-" : v;
  }

  /**
   * A readable summary: seed, schedule, counts, the headline figures and one line per check.
   *
   * @return several lines
   */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "larder fault checker: %s (seed %d, tier %s, %s of workload, %d s in all)%n",
            passed() ? "PASSED" : "FAILED",
            config.seed(),
            tier,
            config.duration(),
            wallMillis / 1000));
    b.append("  faults drawn from: ")
        .append(String.join(",", Faults.ordered(config.faults())))
        .append(config.overlap() ? " (overlapping)" : "")
        .append('\n');
    b.append("  schedule (").append(faultsInjected).append(" injected):\n");
    for (String f : faults) {
      b.append("    ").append(f).append('\n');
    }
    b.append("  operations: ").append(operations).append('\n');
    b.append(
        String.format(
            Locale.ROOT,
            "  %-44s %s%n",
            "stale reads beyond bound (must be 0)",
            figure(1, "fresh reads beyond bound")));
    b.append(
        String.format(
            Locale.ROOT, "  %-44s %s%n", "lost invalidations (must be 0)", figure(7, "keys")));
    b.append(
        String.format(
            Locale.ROOT,
            "  %-44s %s%n",
            "duplicate loads outside fault windows (must be 0)",
            figure(4, "repeat loads outside fault windows")));
    b.append(
        String.format(
            Locale.ROOT,
            "  %-44s %s%n",
            "duplicate loads inside fault windows",
            figure(4, "repeat loads in fault windows")));
    b.append(
        String.format(
            Locale.ROOT,
            "  %-44s max %s ms, p99 %s ms%n",
            "caller latency (reads)",
            figure(5, "read max ms"),
            figure(5, "read p99 ms")));
    b.append(
        String.format(
            Locale.ROOT, "  %-44s %s ms%n", "convergence time", figure(3, "convergence ms")));
    b.append("  checks:\n");
    for (CheckResult c : checks) {
      b.append(
          String.format(
              Locale.ROOT,
              "    %d %-34s %-6s %4d  %s%n",
              c.number(),
              c.name(),
              c.passed() ? "ok" : "FAIL",
              c.violations(),
              c.figures()));
    }
    for (String a : anomalies) {
      b.append("  note: ").append(a).append('\n');
    }
    return b.toString();
  }

  /**
   * One JSON object on one line with the run's figures, for machines.
   *
   * @return the line
   */
  public String jsonLine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("checker", "larder");
    m.put("passed", passed());
    m.put("seed", config.seed());
    m.put("tier", tier);
    m.put("durationMs", config.duration().toMillis());
    m.put("faultSet", Faults.ordered(config.faults()));
    m.put("overlap", config.overlap());
    m.put("faultsInjected", faultsInjected);
    m.put("schedule", faults);
    m.put("operations", operations);
    m.put("staleReadsBeyondBound", figure(1, "fresh reads beyond bound"));
    m.put("lostInvalidations", figure(7, "keys"));
    m.put("duplicateLoadsOutsideFaults", figure(4, "repeat loads outside fault windows"));
    m.put("duplicateLoadsInFaults", figure(4, "repeat loads in fault windows"));
    m.put("readLatencyMaxMs", figure(5, "read max ms"));
    m.put("readLatencyP99Ms", figure(5, "read p99 ms"));
    m.put("convergenceMs", figure(3, "convergence ms"));
    Map<String, Object> verdicts = new LinkedHashMap<>();
    for (CheckResult c : checks) {
      verdicts.put(c.number() + " " + c.name(), c.violations());
    }
    m.put("violations", verdicts);
    m.put("wallMs", wallMillis);
    return dev.larder.checker.internal.Json.of(m);
  }

  /**
   * For a failed run: the seed, the replay command, and up to {@link #SHOWN_PER_CHECK} offending
   * operations per failed check with their neighbours; empty for a run that passed.
   *
   * @return several lines, or an empty string
   */
  public String failureText() {
    if (passed()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    b.append("FAILED with seed ")
        .append(config.seed())
        .append(" (tier ")
        .append(tier)
        .append(")\n");
    b.append("replay: ").append(replayCommand()).append('\n');
    if (historyFile != null) {
      b.append("history: ").append(historyFile.toAbsolutePath()).append('\n');
    }
    for (CheckResult c : checks) {
      if (c.passed()) {
        continue;
      }
      b.append("check ")
          .append(c.number())
          .append(" (")
          .append(c.name())
          .append(") failed ")
          .append(c.violations())
          .append(" time(s); bound: ")
          .append(c.bound())
          .append('\n');
      List<String> shown =
          new ArrayList<>(c.examples().subList(0, Math.min(SHOWN_PER_CHECK, c.examples().size())));
      for (String e : shown) {
        b.append("  - ").append(e).append('\n');
      }
      if (c.examples().size() > shown.size()) {
        b.append("  ... and ")
            .append(c.examples().size() - shown.size())
            .append(" more in the history file\n");
      }
    }
    return b.toString();
  }
}
