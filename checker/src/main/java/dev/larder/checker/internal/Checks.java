package dev.larder.checker.internal;

import dev.larder.checker.CheckResult;
import dev.larder.checker.CheckerConfig;
import dev.larder.checker.Effect;
import dev.larder.checker.internal.Op.Outcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The seven checks, run over a finished history. Each states its bound in terms of the run's
 * configuration and the faults that acted, and lists every operation that broke it with its
 * neighbours. The rules for what a fault excuses are the documented guarantees (INVALIDATION.md,
 * the cache and jdbc READMEs), spelled out in {@code checker/README.md}.
 */
public final class Checks {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** The history's order: start time, then recording order. */
  private static final Comparator<Op> BY_START =
      Comparator.comparingLong(Op::start).thenComparingLong(Op::seq);

  /** XFetch refreshes before expiry by at most delta·beta·(−ln u); −ln u &gt; 20 has odds 2e-9. */
  private static final int EARLY_REFRESH_FACTOR = 20;

  /**
   * The cache's default TTL jitter (LarderCacheBuilder.DEFAULT_TTL_JITTER): expiries come this much
   * early.
   */
  private static final double TTL_JITTER = 0.1;

  private final CheckerConfig config;
  private final List<Op> ops;
  private final List<Nemesis.FaultRecord> faults;
  private final int outboxInstance;
  private final long workloadEnd;
  private final Map<String, List<Op>> byKey = new HashMap<>();
  private final Map<String, List<Op>> committedByKey = new HashMap<>();

  /**
   * Prepares the checks.
   *
   * @param config the run's configuration
   * @param ops every operation, ordered by start
   * @param faults the nemesis's records after the run
   * @param outboxInstance the instance the outbox source was bound to
   * @param workloadEnd when the workers were told to stop
   */
  public Checks(
      CheckerConfig config,
      List<Op> ops,
      List<Nemesis.FaultRecord> faults,
      int outboxInstance,
      long workloadEnd) {
    this.config = config;
    this.ops = ops;
    this.faults = faults;
    this.outboxInstance = outboxInstance;
    this.workloadEnd = workloadEnd;
    for (Op op : ops) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      if (op.committed() && op.version() >= 0) {
        committedByKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    committedByKey.values().forEach(l -> l.sort(Comparator.comparingLong(Op::version)));
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Bounded staleness of cache reads

  /**
   * Check 1: a read served as fresh returns no version older than the newest whose write completed
   * before the read started minus the bound that applies; a read served stale is no older than
   * {@code ttl + maxStale}.
   *
   * @return the result
   */
  public CheckResult staleness() {
    List<String> examples = new ArrayList<>();
    int fresh = 0;
    int stale = 0;
    int staleTooOld = 0;
    int violations = 0;
    long maxLagOver = 0;
    long staleAgeLimit = config.ttl().plus(config.maxStale()).plus(config.slack()).toMillis();
    for (Op r : ops) {
      if ((r.type() != Op.Type.READ && r.type() != Op.Type.FINAL_READ)
          || r.outcome() != Outcome.OK
          || r.version() < 0) {
        continue;
      }
      if (r.stale()) {
        stale++;
        if (r.ageMillis() > staleAgeLimit) {
          staleTooOld++;
          violations++;
          examples.add(
              describe(
                  "stale read declared "
                      + r.ageMillis()
                      + " ms old, more than ttl + maxStale + slack = "
                      + staleAgeLimit
                      + " ms",
                  r));
        }
        continue;
      }
      fresh++;
      Op worst = null;
      Deadline worstDeadline = null;
      for (Op w : newerCandidates(r)) {
        Deadline d = deadline(w, r);
        if (d != null && r.start() > d.at) {
          worst = w;
          worstDeadline = d;
        }
      }
      if (worst != null) {
        Deadline d = java.util.Objects.requireNonNull(worstDeadline);
        violations++;
        maxLagOver = Math.max(maxLagOver, r.start() - d.at);
        examples.add(
            describe(
                "fresh read returned version "
                    + r.version()
                    + " but write of version "
                    + worst.version()
                    + " ("
                    + worst.detail()
                    + ", "
                    + worst.outcome()
                    + ", op "
                    + worst.seq()
                    + ") had to be visible from "
                    + ms(d.at)
                    + " ("
                    + d.why
                    + "); the read started "
                    + ms(r.start() - d.at)
                    + " later",
                r));
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("fresh reads", fresh);
    figures.put("stale reads", stale);
    figures.put("stale reads older than ttl+maxStale", staleTooOld);
    figures.put("fresh reads beyond bound", violations - staleTooOld);
    figures.put("worst overshoot ms", maxLagOver / MS);
    return new CheckResult(
        1,
        "bounded staleness of cache reads",
        "fresh: no version older than the newest write completed before start - "
            + config.directStalenessBound().toMillis()
            + " ms (4 x busHeartbeat + slack; "
            + config.channelFaultStalenessBound().toMillis()
            + " ms = l1Ttl + slack when a fault touched the reader's "
            + "channel; outbox writes + pollInterval; pending writes from the heal + breaker wait "
            + config.redisBreakerWait().toMillis()
            + " ms (server faults) + retryBound "
            + config.retryBound().toMillis()
            + " ms); stale: age <= ttl + maxStale",
        violations,
        examples,
        figures);
  }

  private record Deadline(long at, String why) {}

  /**
   * The committed writes of the read's key with a newer version than it returned that may have
   * ended before it started: versions are taken in commit order, so once a write started after the
   * read started, it and every newer version committed (and ended) after the read started.
   */
  private List<Op> newerCandidates(Op r) {
    List<Op> writes = committedByKey.getOrDefault(r.key(), List.of());
    int lo = 0;
    int hi = writes.size();
    while (lo < hi) { // first write with a version above the read's
      int mid = (lo + hi) >>> 1;
      if (writes.get(mid).version() <= r.version()) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    int end = lo;
    while (end < writes.size() && writes.get(end).start() < r.start()) {
      end++;
    }
    return writes.subList(lo, end);
  }

  /**
   * When a committed write must be visible to a read on the read's instance, or null if the write
   * promises nothing (its cache half failed with an untyped error).
   */
  private @Nullable Deadline deadline(Op w, Op r) {
    long origin;
    String why;
    if ("outbox".equals(w.detail())) {
      long t = w.end();
      String delayedBy = "";
      for (Nemesis.FaultRecord f : faults) {
        if (!f.injected()) {
          continue;
        }
        boolean primary = f.has(Effect.PRIMARY_DOWN);
        boolean redisDown =
            f.has(Effect.REDIS_UNREACHABLE_ALL)
                || (f.has(Effect.REDIS_UNREACHABLE_INSTANCE) && f.instance == outboxInstance);
        // A Redis server fault leaves the bound instance's breaker open for up to its wait after
        // the heal (a trial call made while Redis still hung reopens it): a delivery in that time
        // is refused and redelivered once it closes, so the fault reaches that far, not just to
        // its heal.
        long reach = primary ? f.effectEnd() : recovered(f);
        if ((primary || redisDown)
            && overlaps(
                f.effectStart(),
                reach,
                w.start(),
                t + nanos(config.outboxPollInterval()) + nanos(config.slack()))) {
          t =
              Math.max(
                  t, primary ? f.effectEnd() + nanos(config.outboxReconnectMax()) : recovered(f));
          delayedBy = ", delivery delayed by " + f.label();
        }
      }
      origin = t + nanos(config.outboxPollInterval());
      why = "outbox: commit + pollInterval" + delayedBy;
    } else if (w.outcome() == Outcome.OK) {
      origin = w.end();
      why = "direct write returned";
    } else if (w.outcome() == Outcome.PENDING) {
      long recovered = -1;
      String healer = "no fault";
      for (Nemesis.FaultRecord f : faults) {
        if (f.injected()
            && redisFaultFor(f, w.instance())
            && overlaps(f.effectStart(), f.effectEnd(), w.start(), w.end())) {
          if (recovered(f) > recovered) {
            recovered = recovered(f);
            healer = f.label();
          }
        }
      }
      // Redis was slow or refused without a fault of ours (a busy host): retry from the call's end
      origin = recovered >= 0 ? recovered : w.end() + nanos(config.recoveryBound());
      why = "InvalidationPendingException: healed (" + healer + ") + breaker wait + retryBound";
    } else {
      return null;
    }
    boolean channel = channelDisturbed(r.instance(), origin, r.start());
    long at =
        origin
            + nanos(channel ? config.channelFaultStalenessBound() : config.directStalenessBound());
    why +=
        channel ? " + l1Ttl + slack (reader's channel disturbed)" : " + 4 x busHeartbeat + slack";
    for (Nemesis.FaultRecord f : faults) {
      if (f.injected()
          && f.has(Effect.REDIS_ROLLBACK)
          && w.end() <= f.effectEnd()
          && r.start() >= f.effectStart()) {
        long after = recovered(f) + nanos(config.channelFaultStalenessBound());
        if (after > at) {
          at = after;
          why +=
              "; Redis rolled back by "
                  + f.label()
                  + " at "
                  + ms(f.effectStart())
                  + ": restart + breaker wait + retryBound + l1Ttl";
        }
      }
    }
    return new Deadline(at, why);
  }

  /**
   * When a cache has applied what a Redis fault made it owe: the heal, plus the Redis breaker's
   * open wait if the fault was the server's (a breaker forced open is closed by the heal itself),
   * plus the retry bound.
   */
  private long recovered(Nemesis.FaultRecord f) {
    long wait = f.has(Effect.REDIS_UNREACHABLE_ALL) ? nanos(config.redisBreakerWait()) : 0;
    return f.effectEnd() + wait + nanos(config.retryBound());
  }

  /**
   * When the system has settled after a fault: for a Redis server fault, once the caches' breakers
   * may have closed and what they owe is applied ({@link #recovered}), then the settle margin (a
   * bus that went silent hears its own heartbeat again); for any other fault, its heal plus the
   * settle margin.
   */
  private long settledAfter(Nemesis.FaultRecord f) {
    long base = f.has(Effect.REDIS_UNREACHABLE_ALL) ? recovered(f) : f.effectEnd();
    return base + nanos(config.settleMargin());
  }

  private static boolean redisFaultFor(Nemesis.FaultRecord f, int instance) {
    return f.has(Effect.REDIS_UNREACHABLE_ALL)
        || (f.has(Effect.REDIS_UNREACHABLE_INSTANCE) && f.instance == instance);
  }

  /**
   * Whether a fault may have cut this instance off its invalidation channel at some time in [a, b].
   */
  private boolean channelDisturbed(int instance, long a, long b) {
    for (Nemesis.FaultRecord f : faults) {
      if (f.injected()
          && (f.has(Effect.CHANNEL_CUT_ALL) || redisFaultFor(f, instance))
          && overlaps(f.effectStart(), settledAfter(f), a, b)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Routed reads

  /**
   * Check 2: read-your-writes never older than the token's write; bounded staleness never older
   * than the newest write completed before start − d − routedSlack.
   *
   * @return the result
   */
  public CheckResult routedReads() {
    List<String> examples = new ArrayList<>();
    int ryw = 0;
    int bounded = 0;
    int failed = 0;
    int violations = 0;
    long d = nanos(config.boundedStaleness()) + nanos(config.routedSlack());
    for (Op r : ops) {
      if (r.type() != Op.Type.ROUTED_READ) {
        continue;
      }
      if (r.outcome() != Outcome.OK) {
        failed++;
        continue;
      }
      if ("readYourWrites".equals(r.detail())) {
        ryw++;
        if (r.version() < r.required()) {
          violations++;
          examples.add(
              describe(
                  "read-your-writes returned version "
                      + r.version()
                      + " but its token is of the write of version "
                      + r.required(),
                  r));
        }
      } else {
        bounded++;
        Op newest = null;
        for (Op w : newerCandidates(r)) {
          if (w.end() < r.start() - d) {
            newest = w;
          }
        }
        if (newest != null) {
          violations++;
          examples.add(
              describe(
                  "boundedStaleness("
                      + config.boundedStaleness().toMillis()
                      + " ms) returned version "
                      + r.version()
                      + " but version "
                      + newest.version()
                      + " committed "
                      + ms(r.start() - newest.end())
                      + " before the read started",
                  r));
        }
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("readYourWrites reads", ryw);
    figures.put("boundedStaleness reads", bounded);
    figures.put("failed routed reads", failed);
    return new CheckResult(
        2,
        "routed reads",
        "readYourWrites(token) >= the token's write; boundedStaleness("
            + config.boundedStaleness().toMillis()
            + " ms) >= newest committed before start - d - "
            + config.routedSlack().toMillis()
            + " ms",
        violations,
        examples,
        figures);
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Convergence

  /**
   * Check 3: after the faults healed and the writers stopped, every instance returns the database's
   * version of every key within the settle bound.
   *
   * @param end what the end phase saw
   * @param expected what each key may read as
   * @return the result
   */
  public CheckResult convergence(Workload.EndPhase end, Map<String, Expected> expected) {
    List<String> examples = new ArrayList<>();
    int violations = 0;
    long settle = nanos(config.settle());
    if (end.convergedAt() < 0 || end.convergedAt() > settle) {
      violations = 1;
      // the last final read of each (instance, key) that did not match
      Map<String, Op> lastBad = new TreeMap<>();
      for (Op op : ops) {
        if (op.type() == Op.Type.FINAL_READ && op.instance() < config.instances()) {
          String id = op.instance() + "/" + op.key();
          Expected e = expected.get(op.key());
          boolean good =
              op.outcome() == Outcome.OK && !op.stale() && e != null && e.accepts(op.version());
          if (good) {
            lastBad.remove(id);
          } else {
            lastBad.put(id, op);
          }
        }
      }
      for (Op op : lastBad.values()) {
        examples.add(
            describe(
                "instance "
                    + op.instance()
                    + " still returned "
                    + (op.outcome() == Outcome.OK
                        ? "version " + op.version() + (op.stale() ? " (stale)" : "")
                        : op.error())
                    + " for key "
                    + op.key()
                    + " where the database has "
                    + java.util.Objects.requireNonNull(expected.get(op.key())).database(),
                op));
      }
      if (examples.isEmpty()) {
        examples.add(
            "converged only after "
                + ms(end.convergedAt())
                + ", bound "
                + config.settle().toMillis()
                + " ms");
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("convergence ms", end.convergedAt() < 0 ? "never" : end.convergedAt() / MS);
    figures.put("passes", end.passes());
    return new CheckResult(
        3,
        "convergence",
        "every instance returns the database's version of every key within "
            + config.settle().toMillis()
            + " ms of the end phase's start (faults healed, writers stopped)",
        violations,
        examples,
        figures);
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Loads per key and version

  /**
   * Check 4: outside fault windows (± settle margin), no key is loaded twice at the same database
   * version across all instances, unless its entry expired in between, or a write's invalidation of
   * that key ran in between (an invalidation after the commit removes a value that is already
   * current, and the reload is the price of that order).
   *
   * @return the result
   */
  public CheckResult loadsPerVersion() {
    List<String> examples = new ArrayList<>();
    Map<String, List<Op>> loads = new TreeMap<>();
    int total = 0;
    for (Op op : ops) {
      if (op.type() == Op.Type.LOAD
          && op.outcome() == Outcome.OK
          && op.version() >= 0
          && op.start() < workloadEnd) {
        total++;
        loads.computeIfAbsent(op.key() + "@" + op.version(), k -> new ArrayList<>()).add(op);
      }
    }
    long margin = nanos(config.settleMargin());
    long minTtl = (long) (nanos(config.ttl()) * (1 - TTL_JITTER));
    int inWindows = 0;
    int expired = 0;
    int afterInvalidation = 0;
    int violations = 0;
    for (List<Op> same : loads.values()) {
      for (int i = 1; i < same.size(); i++) {
        Op earlier = same.get(i - 1);
        Op later = same.get(i);
        if (inFaultWindow(earlier, margin) || inFaultWindow(later, margin)) {
          inWindows++;
        } else if (later.start()
            >= earlier.end()
                + minTtl
                - EARLY_REFRESH_FACTOR * earlier.nanos()
                - nanos(config.slack())) {
          expired++;
        } else if (invalidatedBetween(later.key(), earlier.start(), later.start())) {
          afterInvalidation++;
        } else {
          violations++;
          examples.add(
              describe(
                  "key "
                      + later.key()
                      + " loaded again at version "
                      + later.version()
                      + " on instance "
                      + later.instance()
                      + "; instance "
                      + earlier.instance()
                      + " loaded the same version at "
                      + ms(earlier.start())
                      + "-"
                      + ms(earlier.end())
                      + " (no expiry, write or fault in between)",
                  later));
        }
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("loads", total);
    figures.put("key versions loaded", loads.size());
    figures.put("repeat loads in fault windows", inWindows);
    figures.put("repeat loads after expiry", expired);
    figures.put("repeat loads after an invalidation", afterInvalidation);
    figures.put("repeat loads outside fault windows", violations);
    return new CheckResult(
        4,
        "one load per key and version",
        "outside fault windows (from "
            + config.settleMargin().toMillis()
            + " ms before a fault to "
            + config.settleMargin().toMillis()
            + " ms after it healed; after a Redis server fault, after breaker wait + retryBound too), no second load of a key at the same version before its entry "
            + "could expire (0.9 x ttl - early refresh) unless a write invalidated it in between",
        violations,
        examples,
        figures);
  }

  private boolean inFaultWindow(Op op, long margin) {
    for (Nemesis.FaultRecord f : faults) {
      if (f.injected()
          && overlaps(f.effectStart() - margin, settledAfter(f), op.start(), op.end())) {
        return true;
      }
    }
    return false;
  }

  private boolean invalidatedBetween(String key, long from, long to) {
    long delivery = nanos(config.outboxPollInterval()) + nanos(config.slack());
    for (Op w : byKey.getOrDefault(key, List.of())) {
      if (w.type() == Op.Type.WRITE) {
        long cacheHalfEnd = "outbox".equals(w.detail()) ? w.end() + delivery : w.end();
        if (overlaps(w.start(), cacheHalfEnd, from, to)) {
          return true;
        }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // 5. Caller latency

  /**
   * Check 5: every cache read returns within loadTimeout + ε (a stale value or a typed exception is
   * always possible), and fails, if it fails, with a {@code LarderException}.
   *
   * @param stuckWorkers workers that did not return from their call when the run ended (each a
   *     violation)
   * @return the result
   */
  public CheckResult latency(List<String> stuckWorkers) {
    List<String> examples = new ArrayList<>(stuckWorkers);
    long bound = nanos(config.latencyBound());
    List<Long> reads = new ArrayList<>();
    List<Long> writes = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    int violations = stuckWorkers.size();
    Set<String> seenBatches = new TreeSet<>();
    for (Op op : ops) {
      if (op.type() == Op.Type.WRITE) {
        writes.add(op.nanos());
      }
      if (op.type() != Op.Type.READ) {
        continue;
      }
      // a lookupAll is one call recorded once per key: count it once
      String batchId = op.thread() + "@" + op.start();
      boolean first = !"lookupAll".equals(op.detail()) || seenBatches.add(batchId);
      if (!first) {
        continue;
      }
      reads.add(op.nanos());
      if (op.error() != null) {
        errors.merge(History.errorType(op.error()), 1, Integer::sum);
      }
      if (op.nanos() > bound) {
        violations++;
        examples.add(
            describe(
                op.detail()
                    + " took "
                    + ms(op.nanos())
                    + ", more than loadTimeout + "
                    + config.latencySlack().toMillis()
                    + " ms = "
                    + config.latencyBound().toMillis()
                    + " ms",
                op));
      } else if (!op.typed()) {
        violations++;
        examples.add(describe(op.detail() + " failed with an untyped exception", op));
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("reads", reads.size());
    figures.put("read max ms", percentile(reads, 1.0) / MS);
    figures.put("read p99 ms", percentile(reads, 0.99) / MS);
    figures.put("write max ms", percentile(writes, 1.0) / MS);
    figures.put("write p99 ms", percentile(writes, 0.99) / MS);
    figures.put("read failures by type", errors.toString());
    return new CheckResult(
        5,
        "caller latency",
        "every lookup/lookupAll returns within loadTimeout + "
            + config.latencySlack().toMillis()
            + " ms = "
            + config.latencyBound().toMillis()
            + " ms, with a value, a stale value or a LarderException",
        violations,
        examples,
        figures);
  }

  /**
   * The q-quantile of some durations.
   *
   * @param values durations in nanoseconds
   * @param q in (0, 1]
   * @return the quantile, 0 for none
   */
  public static long percentile(List<Long> values, double q) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  // ---------------------------------------------------------------------------------------------
  // 6. Leaks

  /**
   * Check 6: after everything was closed, nothing is left of it.
   *
   * @param leaks what the probe still saw after the settle
   * @param settledMillis how long the probe waited for things to go
   * @return the result
   */
  public static CheckResult leaks(List<String> leaks, long settledMillis) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("waited ms", settledMillis);
    return new CheckResult(
        6,
        "no leaks",
        "threads (larder-, redisson, HikariPool), Redis connections, "
            + "larder:* channels and PostgreSQL sessions back to their count before the run",
        leaks.size(),
        leaks,
        figures);
  }

  // ---------------------------------------------------------------------------------------------
  // 7. Lost invalidations

  /**
   * Check 7: at the sweep, with everything healed and every owed fence due, no cached value (L1 of
   * any instance, or L2 as a fresh instance sees it) is older than the database.
   *
   * @param end the end phase
   * @param expected what each key may read as
   * @param sweepAfter when the sweep ran, after the end phase's start
   * @return the result
   */
  public CheckResult lostInvalidations(
      Workload.EndPhase end, Map<String, Expected> expected, long sweepAfter) {
    List<String> examples = new ArrayList<>();
    Set<String> keys = new TreeSet<>();
    for (Op op : ops) {
      if (op.type() == Op.Type.FINAL_READ
          && op.start() >= end.origin() + sweepAfter
          && op.outcome() == Outcome.OK
          && !op.stale()
          && ("L1".equals(op.source()) || "L2".equals(op.source()))
          && expected.containsKey(op.key())
          && op.version() < expected.get(op.key()).floor()) {
        keys.add(op.key());
        examples.add(
            describe(
                "cached "
                    + op.source()
                    + " value of version "
                    + op.version()
                    + " where the database has "
                    + expected.get(op.key()).database(),
                op));
      }
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("keys", keys.size());
    figures.put("old values in L2 (fresh instance)", end.probeOldL2Keys());
    return new CheckResult(
        7,
        "lost invalidations",
        "at "
            + (sweepAfter / MS)
            + " ms after the end phase started "
            + "(breaker wait + retryBound + l1Ttl + slack), no cached value older than the database",
        keys.size(),
        examples,
        figures);
  }

  // ---------------------------------------------------------------------------------------------
  // Reporting helpers

  /**
   * An offending operation with its neighbours: the operations on the same key just before and
   * after it, and the faults active around it.
   */
  @SuppressWarnings("ReferenceEquality") // skips this very operation, not an equal one
  private String describe(String what, Op op) {
    StringBuilder b = new StringBuilder(what).append("\n    >> ").append(line(op));
    List<Op> same = byKey.getOrDefault(op.key(), List.of());
    int at = Collections.binarySearch(same, op, BY_START);
    int shown = 0;
    for (int i = Math.max(0, at - 6); i < Math.min(same.size(), at + 4); i++) {
      Op n = same.get(i);
      if (n != op && n.type() != Op.Type.FINAL_READ && shown < 8) {
        b.append("\n       ").append(i < at ? "before " : "after  ").append(line(n));
        shown++;
      }
    }
    for (Nemesis.FaultRecord f : faults) {
      if (f.injected()
          && overlaps(
              f.effectStart() - 5_000 * MS, f.effectEnd() + 5_000 * MS, op.start(), op.end())) {
        b.append("\n       fault  ")
            .append(f.label())
            .append(' ')
            .append(ms(f.effectStart()))
            .append(" - ")
            .append(ms(f.effectEnd()));
      }
    }
    return b.toString();
  }

  /**
   * One operation as a line.
   *
   * @param op the operation
   * @return e.g. {@code "#12 READ i1 k3 12.3-14.0s OK v7 L2 fresh age 120ms lookup
   *     [checker-reader-2]"}
   */
  public static String line(Op op) {
    StringBuilder b =
        new StringBuilder()
            .append('#')
            .append(op.seq())
            .append(' ')
            .append(op.type())
            .append(op.instance() >= 0 ? " i" + op.instance() : "")
            .append(" k")
            .append(op.key())
            .append(' ')
            .append(ms(op.start()))
            .append('-')
            .append(ms(op.end()))
            .append(' ')
            .append(op.outcome());
    if (op.version() >= 0) {
      b.append(" v").append(op.version());
    }
    if (op.source() != null) {
      b.append(' ')
          .append(op.source())
          .append(op.stale() ? " STALE" : " fresh")
          .append(" age ")
          .append(op.ageMillis())
          .append("ms");
    }
    if (op.required() >= 0) {
      b.append(" token v").append(op.required());
    }
    b.append(' ').append(op.detail());
    if (op.error() != null) {
      b.append(" (").append(op.error()).append(')');
    }
    return b.append(" [").append(op.thread()).append(']').toString();
  }

  /**
   * A history time as seconds with milliseconds.
   *
   * @param nanos nanoseconds on the history clock
   * @return e.g. {@code "12.345s"}
   */
  public static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
  }

  private static boolean overlaps(long a1, long a2, long b1, long b2) {
    return a1 <= b2 && b1 <= a2;
  }

  private static long nanos(java.time.Duration d) {
    return d.toNanos();
  }
}
