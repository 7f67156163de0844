package dev.larder.checker.internal;

import dev.larder.checker.CheckResult;
import dev.larder.checker.CheckerConfig;
import dev.larder.checker.CheckerReport;
import dev.larder.checker.internal.Op.Outcome;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run: set up, workload with nemesis, end phase, close, leak probe, checks, report. */
public final class CheckerRun {
  private static final Logger LOG = LoggerFactory.getLogger(CheckerRun.class);
  private static final Duration LEAK_SETTLE = Duration.ofSeconds(20);

  private final CheckerConfig config;
  private final Path outputDir;

  /**
   * Describes a run.
   *
   * @param config what to run
   * @param outputDir where a failed run's history goes
   */
  public CheckerRun(CheckerConfig config, Path outputDir) {
    this.config = config;
    this.outputDir = outputDir;
  }

  /**
   * Runs it.
   *
   * @return the report
   * @throws Exception if the run could not be done
   */
  public CheckerReport run() throws Exception {
    long wall0 = System.nanoTime();
    History history = new History();
    Workload workload = new Workload(config, history);
    Nemesis nemesis;
    List<String> stuck = new ArrayList<>();
    Map<String, Expected> expected;
    Workload.EndPhase end;
    long workloadEnd;
    long sweepAfter = config.recoveryBound().plus(config.channelFaultStalenessBound()).toNanos();
    LOG.info(
        "checker: seed {}, tier {}, {} of workload, faults {}",
        config.seed(),
        workload.tier(),
        config.duration(),
        config.faults());
    try {
      workload.setUp();
      nemesis = new Nemesis(config, workload, history);
      long start = history.now();
      List<Thread> workers = workload.startWorkers();
      AtomicReference<@Nullable Throwable> nemesisFailure = new AtomicReference<>();
      Thread nemesisThread =
          new Thread(
              () -> {
                try {
                  nemesis.run(start);
                } catch (RuntimeException | Error e) {
                  nemesisFailure.set(e);
                }
              },
              "checker-nemesis");
      nemesisThread.setDaemon(true);
      nemesisThread.start();
      long deadline = start + config.duration().toNanos();
      while (history.now() < deadline && nemesisFailure.get() == null) {
        LockSupport.parkNanos(
            Math.min(deadline - history.now(), TimeUnit.MILLISECONDS.toNanos(100)));
      }
      nemesis.stop();
      nemesisThread.join(TimeUnit.SECONDS.toMillis(120));
      workloadEnd = history.now();
      workload.stopWorkers();
      long joinBy = System.nanoTime() + config.latencyBound().plusSeconds(30).toNanos();
      for (Thread t : workers) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinBy - System.nanoTime())));
        if (t.isAlive()) {
          stuck.add(
              "worker "
                  + t.getName()
                  + " did not return from its call within loadTimeout + 30 s of the end:\n"
                  + stack(t));
        }
      }
      workload.healLoaders();
      Throwable failure = nemesisFailure.get();
      if (failure != null || nemesisThread.isAlive()) {
        throw new IllegalStateException(
            "the nemesis failed, so the run means nothing: " + failure, failure);
      }
      expected = Expected.of(history.ops(), workload.databaseVersions());
      long giveUp = Math.max(config.settle().toNanos(), sweepAfter) + TimeUnit.SECONDS.toNanos(5);
      end = workload.converge(expected, sweepAfter, giveUp);
    } finally {
      workload.close();
    }
    long settleStart = System.nanoTime();
    List<String> leaks = awaitNoLeaks(workload);
    long settledMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - settleStart);

    List<Op> ops = history.ops();
    Checks checks =
        new Checks(config, ops, nemesis.records(), workload.outboxInstance(), workloadEnd);
    List<CheckResult> results =
        List.of(
            checks.staleness(),
            checks.routedReads(),
            checks.convergence(end, expected),
            checks.loadsPerVersion(),
            checks.latency(stuck),
            Checks.leaks(leaks, settledMillis),
            checks.lostInvalidations(end, expected, sweepAfter));
    List<String> schedule = new ArrayList<>();
    int injected = 0;
    for (Nemesis.FaultRecord r : nemesis.records()) {
      schedule.add(describe(r));
      if (r.injected()) {
        injected++;
      }
    }
    List<String> anomalies = new ArrayList<>(workload.anomalies());
    anomalies.add(
        "outbox source bound to instance "
            + workload.outboxInstance()
            + "; cache '"
            + workload.cacheName()
            + "'");
    long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wall0);
    String tier = workload.tier().name().toLowerCase(Locale.ROOT);
    CheckerReport draft =
        new CheckerReport(
            config, tier, schedule, injected, counts(ops), results, anomalies, null, wall);
    Path file = null;
    if (!draft.passed()) {
      file = dump(draft, ops, nemesis.records());
    }
    CheckerReport report =
        new CheckerReport(
            config, tier, schedule, injected, counts(ops), results, anomalies, file, wall);
    LOG.info("checker: {}", report.jsonLine());
    return report;
  }

  private static List<String> awaitNoLeaks(Workload workload) {
    LeakProbe.Snapshot baseline = workload.baseline();
    AtomicReference<List<String>> last = new AtomicReference<>(List.of());
    try {
      Awaitility.await()
          .atMost(LEAK_SETTLE)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                List<String> leaks = workload.leakSnapshot().leaksSince(baseline);
                last.set(leaks);
                return leaks.isEmpty();
              });
      return List.of();
    } catch (ConditionTimeoutException e) {
      List<String> out = new ArrayList<>();
      List<String> seen = last.get();
      for (String l : seen == null ? List.<String>of() : seen) {
        out.add(l + " (" + LEAK_SETTLE.toSeconds() + " s after closing everything)");
      }
      return out;
    }
  }

  private static String stack(Thread t) {
    StringBuilder b = new StringBuilder();
    for (StackTraceElement e :
        Arrays.copyOf(t.getStackTrace(), Math.min(25, t.getStackTrace().length))) {
      b.append("      at ").append(e).append('\n');
    }
    return b.toString();
  }

  private static String describe(Nemesis.FaultRecord r) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%2d %-28s planned +%.1fs..+%.1fs",
                r.index,
                r.label(),
                r.plannedStart / 1e9,
                r.plannedEnd / 1e9));
    if (r.skipped() != null) {
      b.append("  SKIPPED: ").append(r.skipped());
    } else if (r.error() != null) {
      b.append("  NOT INJECTED: ").append(r.error());
    } else if (r.injected()) {
      b.append("  acted ")
          .append(Checks.ms(r.effectStart()))
          .append(" - ")
          .append(Checks.ms(r.effectEnd()));
      if (r.fault.harmAtHeal()) {
        b.append(" (armed at ").append(Checks.ms(r.injectStart())).append(')');
      }
    } else {
      b.append("  not reached");
    }
    return b.toString();
  }

  private static Map<String, Long> counts(List<Op> ops) {
    Map<String, Long> out = new TreeMap<>();
    for (Op op : ops) {
      String k =
          switch (op.type()) {
            case WRITE -> "write " + op.detail() + " " + op.outcome();
            case READ ->
                "read "
                    + (op.outcome() != Outcome.OK ? "failed" : op.stale() ? "stale" : op.source());
            case ROUTED_READ ->
                "routed " + op.detail() + (op.outcome() == Outcome.OK ? "" : " failed");
            case LOAD -> "load " + (op.outcome() == Outcome.OK ? "ok" : "failed");
            case FINAL_READ -> "end-phase read";
          };
      out.merge(k, 1L, Long::sum);
    }
    return new LinkedHashMap<>(out);
  }

  private Path dump(CheckerReport report, List<Op> ops, List<Nemesis.FaultRecord> faults)
      throws IOException {
    Files.createDirectories(outputDir);
    Path file = outputDir.resolve(config.seed() + ".jsonl");
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(report.jsonLine());
      w.newLine();
      for (Nemesis.FaultRecord r : faults) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fault", r.label());
        m.put("plannedStartNs", r.plannedStart);
        m.put("plannedEndNs", r.plannedEnd);
        m.put("injectStartNs", r.injectStart());
        m.put("healStartNs", r.healStart());
        m.put("healEndNs", r.healEnd());
        m.put("effectStartNs", r.effectStart());
        m.put("effectEndNs", r.effectEnd());
        m.put("skipped", r.skipped());
        m.put("error", r.error());
        w.write(Json.of(m));
        w.newLine();
      }
      for (CheckResult c : report.checks()) {
        for (String e : c.examples()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("violation", c.number() + " " + c.name());
          m.put("what", e);
          w.write(Json.of(m));
          w.newLine();
        }
      }
      for (Op op : ops) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", op.seq());
        m.put("type", op.type().name());
        m.put("thread", op.thread());
        m.put("instance", op.instance());
        m.put("key", op.key());
        m.put("startNs", op.start());
        m.put("endNs", op.end());
        m.put("outcome", op.outcome().name());
        m.put("version", op.version());
        if (op.type() == Op.Type.READ || op.type() == Op.Type.FINAL_READ) {
          m.put("stale", op.stale());
          m.put("source", op.source());
          m.put("ageMs", op.ageMillis());
        }
        m.put("detail", op.detail());
        if (op.required() >= 0) {
          m.put("tokenVersion", op.required());
        }
        if (op.error() != null) {
          m.put("error", op.error());
        }
        w.write(Json.of(m));
        w.newLine();
      }
    }
    return file;
  }
}
