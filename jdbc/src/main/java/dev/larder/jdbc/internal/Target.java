package dev.larder.jdbc.internal;

import dev.larder.jdbc.ReplicaStatus;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * A server reads or writes can be routed to: the primary or one replica, with its pool.
 *
 * <p>Thread-safe: its counters and positions are atomic, its status volatile (written by one
 * health-check task at a time).
 */
public final class Target {
  /** The name used for the primary in logs, metrics and errors. */
  public static final String PRIMARY = "primary";

  private final String name;
  private final DataSource dataSource;
  private final boolean primary;
  private final AtomicInteger inFlight = new AtomicInteger();

  /** Highest replay position seen by a health check or a read-your-writes probe; empty if none. */
  private final AtomicReference<OptionalLong> observedReplayLsn =
      new AtomicReference<>(OptionalLong.empty());

  private volatile ReplicaStatus status;
  private volatile long checkedAtNanos;

  /**
   * Creates a target.
   *
   * @param name its name
   * @param dataSource its pool
   * @param primary whether it is the primary
   */
  public Target(String name, DataSource dataSource, boolean primary) {
    this.name = name;
    this.dataSource = dataSource;
    this.primary = primary;
    this.status =
        new ReplicaStatus(
            name,
            primary ? ReplicaStatus.State.HEALTHY : ReplicaStatus.State.UNKNOWN,
            null,
            -1,
            Duration.ZERO,
            null,
            0,
            primary ? "primary" : "not checked yet");
  }

  /** {@return the name} */
  public String name() {
    return name;
  }

  /** {@return the pool} */
  public DataSource dataSource() {
    return dataSource;
  }

  /** {@return whether this is the primary} */
  public boolean isPrimary() {
    return primary;
  }

  /** {@return the route tag: {@code primary} or {@code replica}} */
  public String route() {
    return primary ? "primary" : "replica";
  }

  /** Counts a read starting here. */
  public void acquire() {
    inFlight.incrementAndGet();
  }

  /** Counts a read ending here. */
  public void release() {
    inFlight.decrementAndGet();
  }

  /** {@return reads running here now} */
  public int inFlight() {
    return inFlight.get();
  }

  /** {@return the last health status (with the current in-flight count)} */
  public ReplicaStatus status() {
    ReplicaStatus s = status;
    OptionalLong replay = replayed();
    String lsn = replay.isPresent() ? Lsn.format(replay.getAsLong()) : s.replayLsn();
    return new ReplicaStatus(
        s.name(),
        s.state(),
        lsn,
        s.lagBytes(),
        s.replayDelay(),
        s.checkedAt(),
        inFlight(),
        s.detail());
  }

  /** {@return the last health status's state} */
  public ReplicaStatus.State state() {
    return status.state();
  }

  /**
   * Records a health result.
   *
   * @param next the new status
   * @param nanos when it was measured, on the router's monotonic clock
   * @return the previous status
   */
  public ReplicaStatus update(ReplicaStatus next, long nanos) {
    ReplicaStatus previous = status;
    status = next;
    checkedAtNanos = nanos;
    if (next.replayLsn() != null) {
      observe(Lsn.parse(next.replayLsn()));
    }
    return previous;
  }

  /** {@return when the last status was measured, on the router's monotonic clock} */
  public long checkedAtNanos() {
    return checkedAtNanos;
  }

  /**
   * Records a replay position seen on this replica (positions only move forward on one server).
   *
   * @param lsn the position
   */
  public void observe(long lsn) {
    observedReplayLsn.accumulateAndGet(OptionalLong.of(lsn), Target::later);
  }

  private static OptionalLong later(OptionalLong a, OptionalLong b) {
    return a.isEmpty() || Long.compareUnsigned(b.getAsLong(), a.getAsLong()) > 0 ? b : a;
  }

  /**
   * Forgets the observed replay position (after the replica was down: it may be another server
   * now).
   */
  public void forgetReplayPosition() {
    observedReplayLsn.set(OptionalLong.empty());
  }

  private OptionalLong replayed() {
    return java.util.Objects.requireNonNull(observedReplayLsn.get()); // starts empty, never null
  }

  /** {@return the highest replay position seen, empty if none} */
  public OptionalLong replayLsn() {
    return replayed();
  }

  /**
   * Whether this server is known to have replayed {@code lsn}.
   *
   * @param lsn a position
   * @return true if the highest replay position seen is at or after it (unsigned)
   */
  public boolean hasReplayed(long lsn) {
    OptionalLong replay = replayed();
    return replay.isPresent() && Lsn.reached(replay.getAsLong(), lsn);
  }

  @Override
  public String toString() {
    return name;
  }
}
