package dev.larder.jdbc.internal;

import dev.larder.jdbc.ReplicaStatus;
import dev.larder.jdbc.ReplicaStatus.State;
import dev.larder.jdbc.internal.Positions.ReplicaPosition;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every server in the background and decides which replicas are in rotation: the primary's
 * position and role (recorded in {@link ClusterPositions}), whether the primary read pool answers
 * with read-only sessions on this primary, and for each replica its role, cluster, lag in bytes,
 * replay delay (measured against the primary, see {@link #evaluate}) and WAL receiver. A replica
 * leaves rotation when a check finds it down, not a standby, of another cluster, over a bound, cut
 * off while the primary is ahead, or short of the {@linkplain ClusterPositions#required() required
 * position}, or when a read on it failed ({@link #markFailed}); it comes back at the first check
 * that finds it healthy. Each change of state is logged once.
 *
 * <p>Thread-safe: one scheduled task per server writes that server's {@link Target} status; the
 * primary's flags are volatile.
 */
final class HealthMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");

  private final Target primary;
  private final @Nullable DataSource primaryReads;
  private final List<Target> replicas;
  private final RouterSettings settings;
  private final ServerProbes probes;
  private final ClusterPositions positions;
  private final ScheduledExecutorService scheduler;

  private volatile boolean primaryUp = true;
  private volatile boolean primaryInRecovery;

  /** Set by the primary's check: the primary read pool answered with a read-only session. */
  private volatile boolean primaryReadsUsable;

  private volatile @Nullable String primaryReadsRefusal;
  private volatile boolean primaryReadsChecked;

  /**
   * Creates the monitor; nothing is checked until {@link #start} or {@link #checkAll}.
   *
   * @param primary the primary
   * @param primaryReads the primary read pool, or null
   * @param replicas the replicas
   * @param settings bounds, interval, timeout, clock, metrics
   * @param probes how to ask the servers
   * @param positions where the primary's positions go
   */
  HealthMonitor(
      Target primary,
      @Nullable DataSource primaryReads,
      List<Target> replicas,
      RouterSettings settings,
      ServerProbes probes,
      ClusterPositions positions) {
    this.primary = primary;
    this.primaryReads = primaryReads;
    this.replicas = List.copyOf(replicas);
    this.settings = settings;
    this.probes = probes;
    this.positions = positions;
    AtomicInteger n = new AtomicInteger();
    this.scheduler =
        Executors.newScheduledThreadPool(
            Math.min(1 + replicas.size(), 4),
            r -> {
              Thread t = new Thread(r, "larder-replica-health-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the background checks.
   *
   * @param checkNow run one round of checks before returning, so replicas are in rotation at once
   * @throws IllegalStateException when checking now finds the primary's pool on a standby, or the
   *     primary read pool's sessions not read-only on this primary
   */
  // The checks catch their own failures (a throwing periodic task would silently stop); close()
  // shuts the scheduler down, so the futures are not needed.
  @SuppressWarnings("FutureReturnValueIgnored")
  void start(boolean checkNow) {
    if (checkNow) {
      checkAll();
      if (primaryInRecovery) {
        scheduler.shutdownNow();
        throw new IllegalStateException(
            "primary must be a server out of recovery but pg_is_in_recovery() is true"
                + " on the pool given as primary: it is a standby (give the primary's pool, and the standby as a replica)");
      }
      String refusal = primaryReadsRefusal;
      if (refusal != null) {
        scheduler.shutdownNow();
        throw new IllegalStateException(
            "primaryReadPool must reach the primary with read-only sessions"
                + " (default_transaction_read_only=on) but "
                + refusal);
      }
    }
    long every = settings.healthCheckInterval().toNanos();
    scheduler.scheduleWithFixedDelay(
        this::checkPrimary, checkNow ? every : 0, every, TimeUnit.NANOSECONDS);
    for (Target r : replicas) {
      settings.metrics().replica(r);
      scheduler.scheduleWithFixedDelay(
          () -> checkReplica(r), checkNow ? every : 0, every, TimeUnit.NANOSECONDS);
    }
    LOG.info(
        "replica router started: primary and {} replica(s) {}, health check every {} ms",
        replicas.size(),
        replicas,
        settings.healthCheckInterval().toMillis());
  }

  /** Checks the primary, then every replica, on the calling thread. */
  void checkAll() {
    checkPrimary();
    for (Target r : replicas) {
      checkReplica(r);
    }
  }

  /** Checks the primary (and the primary read pool) once, on the calling thread. */
  void checkPrimary() {
    try {
      Positions.PrimaryPosition p =
          probes.primary(primary.dataSource(), settings.healthCheckTimeout().toMillis());
      primaryInRecovery = p.inRecovery();
      if (p.inRecovery()) {
        setPrimaryUp(
            false, "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
        return;
      }
      positions.observePrimary(p, settings.time().nanoTime());
      setPrimaryUp(true, "");
      checkPrimaryReads(p);
    } catch (SQLException | RuntimeException e) {
      setPrimaryUp(false, "unreachable: " + e.getMessage());
    }
  }

  /**
   * Reads on the primary use the read pool only while a connection from it answers as a read-only
   * session on this primary; otherwise they go back to a {@code READ ONLY} transaction on the
   * primary's own pool, so a write inside a read fails either way.
   */
  private void checkPrimaryReads(Positions.PrimaryPosition p) {
    DataSource pool = primaryReads;
    if (pool == null) {
      return;
    }
    String refusal;
    try {
      ServerProbes.ReadSession s =
          probes.readSession(pool, settings.healthCheckTimeout().toMillis());
      if (s.inRecovery()) {
        refusal = "it reaches a server in recovery (a standby)";
      } else if (s.systemIdentifier() != p.systemIdentifier()) {
        refusal =
            "it reaches system identifier "
                + Long.toUnsignedString(s.systemIdentifier())
                + ", not the primary's "
                + Long.toUnsignedString(p.systemIdentifier());
      } else if (!"on".equals(s.readOnly())) {
        refusal = "transaction_read_only was " + s.readOnly() + " on a connection from it";
      } else {
        refusal = null;
      }
    } catch (SQLException | RuntimeException e) {
      primaryReadsRefusal = null; // may be starting: logged, not refused
      setPrimaryReads(false, "unreachable: " + e.getMessage());
      return;
    }
    primaryReadsRefusal = refusal;
    setPrimaryReads(refusal == null, refusal == null ? "" : refusal);
  }

  private void setPrimaryReads(boolean usable, String why) {
    if (primaryReadsUsable != usable || !primaryReadsChecked) {
      primaryReadsChecked = true;
      primaryReadsUsable = usable;
      if (usable) {
        LOG.info("primary read pool in use: reads on the primary run in its read-only sessions");
      } else {
        LOG.warn(
            "primary read pool not used ({}): reads on the primary run in READ ONLY transactions"
                + " on the primary's pool",
            why);
      }
    }
  }

  private void setPrimaryUp(boolean up, String why) {
    if (primaryUp != up) {
      primaryUp = up;
      if (up) {
        LOG.info("primary is answering again");
      } else {
        LOG.warn("primary check failed: {}", why);
      }
    }
  }

  /**
   * Checks one replica once, on the calling thread, and records its new status.
   *
   * @param replica the replica
   */
  void checkReplica(Target replica) {
    long now = settings.time().nanoTime();
    Positions.PrimaryPosition p = positions.known();
    ReplicaStatus next;
    try {
      ReplicaPosition pos =
          probes.replica(
              replica.dataSource(),
              p == null ? OptionalLong.empty() : OptionalLong.of(p.lsn()),
              settings.healthCheckTimeout().toMillis());
      next = evaluate(replica, pos, p, now);
    } catch (SQLException | RuntimeException e) {
      replica.forgetReplayPosition();
      next = status(replica, State.DOWN, null, -1, 0, "unreachable: " + e.getMessage());
    }
    transition(replica, next, now);
  }

  /**
   * Judges one replica from its check. Its replay delay is the larger of two measures: the
   * standby's own (time since its last replayed commit while received WAL waits), and the time
   * since the router first saw the primary past the standby's replay position (a lower bound on the
   * age of the standby's data, which also sees a standby that receives nothing). A standby known
   * not to stream while the primary is ahead of it leaves rotation at once: it will not catch up by
   * itself.
   *
   * @param checkStart when the check began, on the router's clock
   */
  private ReplicaStatus evaluate(
      Target r,
      Positions.ReplicaPosition pos,
      Positions.@Nullable PrimaryPosition p,
      long checkStart) {
    String replay = pos.replayLsn().isPresent() ? Lsn.format(pos.replayLsn().getAsLong()) : null;
    if (!pos.inRecovery()) {
      return status(
          r,
          State.WRONG_ROLE,
          null,
          -1,
          0,
          "not in recovery (pg_is_in_recovery() is false): a primary, not a standby");
    }
    if (p != null && pos.systemIdentifier() != p.systemIdentifier()) {
      return status(
          r,
          State.OTHER_CLUSTER,
          replay,
          -1,
          0,
          "system identifier "
              + Long.toUnsignedString(pos.systemIdentifier())
              + " but the primary's is "
              + Long.toUnsignedString(p.systemIdentifier()));
    }
    if (pos.replayLsn().isEmpty()) {
      return status(
          r, State.LAGGING, null, pos.lagBytes(), pos.replayDelayMillis(), "nothing replayed yet");
    }
    long replayed = pos.replayLsn().getAsLong();
    OptionalLong behindSince = positions.firstSeenPast(replayed);
    long behindMillis =
        behindSince.isPresent()
            ? Math.max(0, TimeUnit.NANOSECONDS.toMillis(checkStart - behindSince.getAsLong()))
            : 0;
    long delay = Math.max(pos.replayDelayMillis(), behindMillis);
    if (behindSince.isPresent() && pos.notStreaming()) {
      return status(
          r,
          State.LAGGING,
          replay,
          pos.lagBytes(),
          delay,
          "WAL receiver "
              + (ReplicaPosition.NO_RECEIVER.equals(pos.receiver())
                  ? "not running"
                  : pos.receiver())
              + " while the primary is ahead (replayed "
              + replay
              + ", the primary was at "
              + Lsn.format(positions.latestPrimaryLsn().orElse(replayed))
              + "): it receives nothing to catch up with");
    }
    if (pos.lagBytes() > settings.maxLagBytes()) {
      return status(
          r,
          State.LAGGING,
          replay,
          pos.lagBytes(),
          delay,
          "behind by " + pos.lagBytes() + " bytes > maxLagBytes " + settings.maxLagBytes());
    }
    if (delay > settings.maxReplayDelay().toMillis()) {
      return status(
          r,
          State.LAGGING,
          replay,
          pos.lagBytes(),
          delay,
          "replay delay "
              + delay
              + " ms > maxReplayDelay "
              + settings.maxReplayDelay().toMillis()
              + " ms");
    }
    OptionalLong needed = positions.required();
    if (needed.isPresent() && !Lsn.reached(replayed, needed.getAsLong())) {
      return status(
          r,
          State.BEHIND_REQUIRED_POSITION,
          replay,
          pos.lagBytes(),
          delay,
          "replayed " + replay + " but " + Lsn.format(needed.getAsLong()) + " is required");
    }
    return status(
        r,
        State.HEALTHY,
        replay,
        pos.lagBytes(),
        delay,
        "lag " + pos.lagBytes() + " bytes, replay delay " + delay + " ms");
  }

  private ReplicaStatus status(
      Target r,
      State state,
      @Nullable String replay,
      long lagBytes,
      long delayMillis,
      String detail) {
    return new ReplicaStatus(
        r.name(),
        state,
        replay,
        lagBytes,
        Duration.ofMillis(delayMillis),
        settings.time().now(),
        r.inFlight(),
        detail);
  }

  private void transition(Target replica, ReplicaStatus next, long nanos) {
    ReplicaStatus previous = replica.update(next, nanos);
    if (previous.state() == next.state()) {
      return;
    }
    if (next.state() == State.HEALTHY) {
      LOG.info(
          "replica {} {} rotation: {}",
          replica.name(),
          previous.state() == State.UNKNOWN ? "in" : "back in",
          next.detail());
    } else if (previous.state() == State.HEALTHY || previous.state() == State.UNKNOWN) {
      LOG.warn("replica {} out of rotation ({}): {}", replica.name(), next.state(), next.detail());
    } else {
      LOG.info(
          "replica {} still out of rotation, now {}: {}",
          replica.name(),
          next.state(),
          next.detail());
    }
  }

  /**
   * Takes a replica out of rotation after a read on it failed at the connection level; the next
   * health check puts it back if it answers. The primary is never taken out.
   *
   * @param target the server the read failed on
   * @param failure what failed
   */
  void markFailed(Target target, Throwable failure) {
    if (target.isPrimary()) {
      return;
    }
    target.forgetReplayPosition();
    transition(
        target,
        status(target, State.DOWN, null, -1, 0, "a read failed: " + failure.getMessage()),
        settings.time().nanoTime());
  }

  /**
   * {@return whether reads on the primary may use the primary read pool now (its last check
   * passed)}
   */
  boolean primaryReadsUsable() {
    return primaryReadsUsable;
  }

  /** Stops the background checks. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
