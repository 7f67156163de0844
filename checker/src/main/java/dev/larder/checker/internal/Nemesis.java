package dev.larder.checker.internal;

import dev.larder.checker.CheckerConfig;
import dev.larder.checker.Effect;
import dev.larder.checker.Fault;
import dev.larder.checker.FaultContext;
import dev.larder.checker.Faults;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws a fault schedule from the seed alone and runs it on one thread: each fault is injected at
 * its start and healed at its end, in time order. Without overlap every fault heals before the next
 * starts; with overlap faults may run together, but never two on the same resource.
 */
public final class Nemesis {
  private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

  /** One fault of the schedule and what happened to it. */
  public static final class FaultRecord {
    /** Position in the schedule, from 1. */
    public final int index;

    /** The fault. */
    public final Fault fault;

    /** Target instance, or -1. */
    public final int instance;

    /** Scheduled start, nanoseconds since the workload started. */
    public final long plannedStart;

    /** Scheduled end. */
    public final long plannedEnd;

    volatile long injectStart = -1;
    volatile long injectEnd = -1;
    volatile long healStart = -1;
    volatile long healEnd = -1;
    volatile @Nullable String skipped;
    volatile @Nullable String error;

    FaultRecord(int index, Fault fault, int instance, long plannedStart, long plannedEnd) {
      this.index = index;
      this.fault = fault;
      this.instance = instance;
      this.plannedStart = plannedStart;
      this.plannedEnd = plannedEnd;
    }

    /**
     * Whether the fault acted (injected without error, not skipped).
     *
     * @return true if it took effect
     */
    public boolean injected() {
      return skipped == null && error == null && injectEnd >= 0;
    }

    /**
     * When its effects began (history clock), or -1 if it never acted.
     *
     * @return the start of its effect window
     */
    public long effectStart() {
      if (!injected()) {
        return -1;
      }
      return fault.harmAtHeal() ? healStart : injectStart;
    }

    /**
     * When its effects ended: the end of its heal.
     *
     * @return the end of its effect window, or -1
     */
    public long effectEnd() {
      return injected() ? healEnd : -1;
    }

    /**
     * Whether it has an effect.
     *
     * @param e the effect
     * @return true if the fault declares it
     */
    public boolean has(Effect e) {
      return fault.effects().contains(e);
    }

    /**
     * Why it was skipped, if it was.
     *
     * @return the reason or null
     */
    public @Nullable String skipped() {
      return skipped;
    }

    /**
     * Why injecting it failed, if it did.
     *
     * @return the error or null
     */
    public @Nullable String error() {
      return error;
    }

    /**
     * When the inject call started.
     *
     * @return history clock, or -1
     */
    public long injectStart() {
      return injectStart;
    }

    /**
     * When the heal call started.
     *
     * @return history clock, or -1
     */
    public long healStart() {
      return healStart;
    }

    /**
     * When the heal call returned.
     *
     * @return history clock, or -1
     */
    public long healEnd() {
      return healEnd;
    }

    /**
     * A readable label, e.g. {@code "breaker-open@1"}.
     *
     * @return the label
     */
    public String label() {
      return fault.name() + (instance >= 0 ? "@" + instance : "");
    }
  }

  private final List<FaultRecord> schedule;
  private final FaultContext context;
  private final History history;
  private final AtomicBoolean stop = new AtomicBoolean();
  private volatile @Nullable Throwable healFailure;

  /**
   * Draws the schedule.
   *
   * @param config the run's configuration (seed, duration, faults, pacing)
   * @param context what faults act on
   * @param history the clock (and nothing else: faults are recorded in their own records)
   */
  public Nemesis(CheckerConfig config, FaultContext context, History history) {
    this.schedule = plan(config);
    this.context = context;
    this.history = history;
  }

  /**
   * The schedule a configuration draws: a function of the seed, the fault set, the duration, the
   * pacing and the instance count only.
   *
   * @param config the configuration
   * @return the faults in start order
   */
  public static List<FaultRecord> plan(CheckerConfig config) {
    List<FaultRecord> out = new ArrayList<>();
    List<String> kinds = Faults.ordered(config.faults());
    if (kinds.isEmpty()) {
      return out;
    }
    SplittableRandom rnd = new SplittableRandom(config.seed() ^ 0x6E656D65736973L); // "nemesis"
    long end = config.duration().toNanos();
    // Leave the last seconds fault-free: the run's end phase starts from a healed system anyway,
    // and a fault cut short by the end would not be the one that was drawn.
    long lastEnd = end - config.quietMin().toNanos();
    long t = between(rnd, config.quietMin().toNanos(), config.quietMax().toNanos());
    List<String> bag = new ArrayList<>();
    Map<String, Long> busyUntil = new HashMap<>();
    int index = 0;
    while (t + config.faultMin().toNanos() <= lastEnd) {
      if (bag.isEmpty()) {
        bag.addAll(kinds);
        for (int i = bag.size() - 1; i > 0; i--) { // Fisher-Yates with the seeded stream
          int j = rnd.nextInt(i + 1);
          String x = bag.get(i);
          bag.set(i, bag.get(j));
          bag.set(j, x);
        }
      }
      Fault f = Faults.byName(bag.remove(0));
      int instance = f.perInstance() ? rnd.nextInt(config.instances()) : -1;
      long dur =
          f.instantaneous()
              ? 0
              : between(rnd, config.faultMin().toNanos(), config.faultMax().toNanos());
      long start = Math.max(t, busyUntil.getOrDefault(f.resource(instance), 0L));
      if (start + Math.min(dur, config.faultMin().toNanos()) > lastEnd) {
        break;
      }
      dur = Math.min(dur, lastEnd - start);
      out.add(new FaultRecord(++index, f, instance, start, start + dur));
      long quiet = between(rnd, config.quietMin().toNanos(), config.quietMax().toNanos());
      busyUntil.put(f.resource(instance), start + dur + quiet);
      t = config.overlap() ? start + between(rnd, 0, dur + quiet) : start + dur + quiet;
    }
    out.sort(Comparator.comparingLong(r -> r.plannedStart));
    return out;
  }

  private static long between(SplittableRandom rnd, long lo, long hi) {
    return hi <= lo ? lo : lo + rnd.nextLong(hi - lo + 1);
  }

  /**
   * The schedule, with what happened so far.
   *
   * @return the records
   */
  public List<FaultRecord> records() {
    return schedule;
  }

  /**
   * Runs the schedule from {@code origin} (history clock) until it is done or {@link #stop()} is
   * called; heals whatever is active before returning.
   *
   * @param origin when the workload started, on the history clock
   * @throws IllegalStateException if a fault could not be healed (the run cannot go on)
   */
  public void run(long origin) {
    record Event(long at, FaultRecord r, boolean inject) {}
    List<Event> events = new ArrayList<>();
    for (FaultRecord r : schedule) {
      events.add(new Event(origin + r.plannedStart, r, true));
      if (!r.fault.instantaneous()) {
        events.add(new Event(origin + r.plannedEnd, r, false));
      }
    }
    events.sort(Comparator.comparingLong(Event::at).thenComparing(e -> e.inject()));
    List<FaultRecord> active = new ArrayList<>();
    try {
      for (Event e : events) {
        if (!e.inject() && !active.contains(e.r())) {
          continue;
        }
        if (e.inject() && !waitUntil(e.at())) {
          break;
        }
        if (!e.inject()) {
          waitUntil(e.at()); // a stop request only cuts waits short: the heal still runs
        }
        if (e.inject()) {
          if (inject(e.r())) {
            if (e.r().fault.instantaneous()) {
              heal(e.r()); // an event, not a state: its window is the inject call
            } else {
              active.add(e.r());
            }
          }
        } else {
          heal(e.r());
          active.remove(e.r());
        }
      }
    } finally {
      for (FaultRecord r : new ArrayList<>(active)) {
        heal(r);
      }
    }
    Throwable failure = healFailure;
    if (failure != null) {
      throw new IllegalStateException("a fault could not be healed: " + failure, failure);
    }
  }

  /** Asks {@link #run} to stop waiting; active faults are healed at once. */
  public void stop() {
    stop.set(true);
  }

  private boolean waitUntil(long at) {
    while (!stop.get()) {
      long left = at - history.now();
      if (left <= 0) {
        return true;
      }
      LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
    return false;
  }

  private boolean inject(FaultRecord r) {
    String reason = r.fault.unsupportedReason(context);
    if (reason != null) {
      r.skipped = reason;
      LOG.info("nemesis: {} skipped: {}", r.label(), reason);
      return false;
    }
    r.injectStart = history.now();
    try {
      r.fault.inject(context, r.instance);
      r.injectEnd = history.now();
      LOG.info("nemesis: {} injected", r.label());
      return true;
    } catch (Exception | Error e) {
      r.injectEnd = history.now();
      r.error = History.describe(e);
      LOG.warn("nemesis: {} could not be injected", r.label(), e);
      return false;
    }
  }

  private void heal(FaultRecord r) {
    r.healStart = history.now();
    try {
      r.fault.heal(context, r.instance);
      LOG.info("nemesis: {} healed", r.label());
    } catch (Exception | Error e) {
      LOG.error("nemesis: {} could not be healed", r.label(), e);
      if (healFailure == null) {
        healFailure = e;
      }
      stop.set(true);
    } finally {
      r.healEnd = history.now();
    }
  }

  /**
   * The faults that acted and have an effect, for the checks.
   *
   * @param records the schedule after the run
   * @param effects effects of interest
   * @return the records that were injected and have one of them
   */
  public static List<FaultRecord> acted(List<FaultRecord> records, Set<Effect> effects) {
    List<FaultRecord> out = new ArrayList<>();
    for (FaultRecord r : records) {
      if (r.injected()
          && r.effectEnd() >= 0
          && r.fault.effects().stream().anyMatch(effects::contains)) {
        out.add(r);
      }
    }
    return out;
  }
}
