package dev.larder.jdbc.internal;

import dev.larder.core.FailureClassifier;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import dev.larder.jdbc.NoEligibleReplicaException;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaStatus;
import dev.larder.jdbc.ReplicaStatus.State;
import dev.larder.jdbc.internal.Positions.ReplicaPosition;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's engine: background health checks of every server, the map of replay positions, and
 * the routing decision. Routing itself does no I/O except in the bounded read-your-writes wait.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");
  private static final long PROBE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** A read-your-writes probe may overrun its wait by this much while a query is answered. */
  private static final long PROBE_GRACE_MILLIS = 100;

  /**
   * The router's settings, validated by the public builder.
   *
   * @param maxLagBytes a replica further behind than this leaves rotation
   * @param maxReplayDelay a replica whose replay delay exceeds this leaves rotation
   * @param healthCheckInterval pause between two checks of one server
   * @param healthCheckTimeout longest a check (or a read-your-writes probe) waits for a server's
   *     answer
   * @param leastInFlight balance by fewest in-flight reads instead of round robin
   * @param failWhenNoReplica throw instead of reading from the primary when no replica qualifies
   * @param readYourWritesWait how long a read-your-writes read may wait for a replica
   * @param time the clock
   * @param metrics where to report
   * @param classifier judges failures; a transient failure on a replica moves the read elsewhere
   */
  public record Settings(
      long maxLagBytes,
      Duration maxReplayDelay,
      Duration healthCheckInterval,
      Duration healthCheckTimeout,
      boolean leastInFlight,
      boolean failWhenNoReplica,
      Duration readYourWritesWait,
      TimeSource time,
      JdbcMetrics metrics,
      FailureClassifier classifier) {}

  /**
   * Work run against one chosen server.
   *
   * @param <T> the result type
   */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * Runs the work.
     *
     * @param target the chosen server
     * @return the result
     * @throws Exception whatever the work throws
     */
    T run(Target target) throws Exception;
  }

  /** Whether a session is read-only, which server it reaches, and whether that is a standby. */
  private static final String READ_ONLY_SESSION_SQL =
      "SELECT current_setting('transaction_read_only'),"
          + " pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())";

  private final Target primary;
  private final @Nullable DataSource primaryReads;
  private final List<Target> replicas;
  private final Settings settings;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicLong rywFallbacks = new AtomicLong();
  private final AtomicLong primaryFallbacks = new AtomicLong();

  /** The position every replica must have replayed to be in rotation; empty for none. */
  private final AtomicReference<OptionalLong> required =
      new AtomicReference<>(OptionalLong.empty());

  /** One primary position read at a time for tokens ahead of the last known one. */
  private final ReentrantLock refreshLock = new ReentrantLock();

  /** When the last such read began; guarded by {@link #refreshLock}. */
  private long refreshStartedAtNanos;

  private boolean refreshed;
  private final ScheduledExecutorService scheduler;

  /** When each primary position was first seen: how far behind a standby is, in time. */
  private final PrimaryHistory history = new PrimaryHistory();

  private volatile Positions.@Nullable PrimaryPosition cluster;
  private volatile boolean primaryUp = true;
  private volatile boolean primaryInRecovery;

  /** Set by the primary's check: the primary read pool answered with a read-only session. */
  private volatile boolean primaryReadsUsable;

  private volatile @Nullable String primaryReadsRefusal;
  private volatile boolean primaryReadsChecked;

  /**
   * Creates the engine; call {@link #start(boolean)} next.
   *
   * @param primary the primary
   * @param primaryReads a pool of read-only sessions on the primary for reads routed there, or null
   * @param replicas the replicas
   * @param settings the settings
   */
  public Engine(
      Target primary, @Nullable DataSource primaryReads, List<Target> replicas, Settings settings) {
    this.primary = primary;
    this.primaryReads = primaryReads;
    this.replicas = List.copyOf(replicas);
    this.settings = settings;
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
   */
  public void start(boolean checkNow) {
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
  public void checkAll() {
    checkPrimary();
    for (Target r : replicas) {
      checkReplica(r);
    }
  }

  /**
   * Bounds how long a probe waits for the server: a frozen server (SIGSTOP, a hung host) keeps the
   * socket open and answers nothing, and without this the check would wait for the pool's socket
   * timeout while the server stays in rotation. HikariCP restores the pool's own timeout when the
   * connection is returned.
   */
  private Connection probe(Target target, long timeoutMillis) throws SQLException {
    return probe(target.dataSource(), timeoutMillis);
  }

  private Connection probe(DataSource dataSource, long timeoutMillis) throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      c.setNetworkTimeout(
          Runnable::run, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis)));
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void checkPrimary() {
    try (Connection c = probe(primary, settings.healthCheckTimeout().toMillis())) {
      Positions.PrimaryPosition p = Positions.primary(c);
      primaryInRecovery = p.inRecovery();
      if (p.inRecovery()) {
        setPrimaryUp(
            false, "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
        return;
      }
      noteCluster(p);
      history.observe(p.lsn(), settings.time().nanoTime());
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
    try (Connection c = probe(pool, settings.healthCheckTimeout().toMillis());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(READ_ONLY_SESSION_SQL)) {
      rs.next();
      String readOnly = rs.getString(1);
      boolean inRecovery = rs.getBoolean(2);
      long system = rs.getLong(3);
      if (inRecovery) {
        refusal = "it reaches a server in recovery (a standby)";
      } else if (system != p.systemIdentifier()) {
        refusal =
            "it reaches system identifier "
                + Long.toUnsignedString(system)
                + ", not the primary's "
                + Long.toUnsignedString(p.systemIdentifier());
      } else if (!"on".equals(readOnly)) {
        refusal = "transaction_read_only was " + readOnly + " on a connection from it";
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

  private void noteCluster(Positions.PrimaryPosition p) {
    Positions.PrimaryPosition before = cluster;
    cluster = p;
    if (before != null
        && (before.timeline() != p.timeline()
            || before.systemIdentifier() != p.systemIdentifier())) {
      // Positions of another timeline or cluster say nothing about this one's standbys.
      history.clear();
    }
    if (before != null && before.timeline() != p.timeline()) {
      LOG.warn(
          "primary timeline changed from {} to {} (a promotion): older tokens read from the primary",
          before.timeline(),
          p.timeline());
    }
  }

  private void checkReplica(Target replica) {
    long now = settings.time().nanoTime();
    ReplicaStatus next;
    try (Connection c = probe(replica, settings.healthCheckTimeout().toMillis())) {
      Positions.PrimaryPosition p = cluster;
      next =
          evaluate(
              replica,
              Positions.replica(c, p == null ? OptionalLong.empty() : OptionalLong.of(p.lsn())),
              p,
              now);
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
    OptionalLong behindSince = history.firstSeenPast(replayed);
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
              + Lsn.format(history.latest().orElse(replayed))
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
    OptionalLong needed = required.get();
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
   * health check puts it back if it answers.
   *
   * @param target the replica
   * @param failure what failed
   */
  public void markFailed(Target target, Throwable failure) {
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
   * Runs read work on a server chosen for the intent; when it fails on a replica with a transient
   * failure, takes that replica out of rotation and runs it again elsewhere (another replica or the
   * primary), once per server at most.
   *
   * @param intent the read intent
   * @param work the work
   * @param <T> the result type
   * @return the work's result
   * @throws Exception the work's failure when it is not transient or no server is left
   */
  public <T> T read(ReadIntent intent, Work<T> work) throws Exception {
    Set<Target> excluded = new HashSet<>();
    @Nullable Exception first = null;
    while (true) {
      Target target;
      try {
        target = route(intent, excluded);
      } catch (NoEligibleReplicaException e) {
        if (first != null) {
          first.addSuppressed(e);
          throw first;
        }
        throw e;
      }
      try {
        return work.run(target);
      } catch (Exception e) {
        if (!isTransient(e) || target.isPrimary()) {
          if (first != null) {
            e.addSuppressed(first);
          }
          throw e;
        }
        LOG.debug("read on {} failed, trying another server: {}", target, e.toString());
        markFailed(target, e);
        excluded.add(target);
        if (first == null) {
          first = e;
        }
      } finally {
        target.release();
      }
    }
  }

  /**
   * Whether a read that failed this way should move to another server: a connection that could not
   * be had, or a database failure the classifier allows repeating for idempotent work (reads are),
   * such as a connection lost mid-read. Failures without a {@link SQLException} in their chain (a
   * bug in the caller's mapping code) never move.
   *
   * @param failure the failure
   * @return whether moving the work elsewhere may help
   */
  public boolean isTransient(Throwable failure) {
    boolean database = false;
    for (Throwable t : FailureClassifier.causalChain(failure)) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      database |= t instanceof SQLException;
    }
    return database
        && FailureClassifier.walkingCauses(settings.classifier())
            .classify(failure)
            .isRetryable(true);
  }

  /**
   * Chooses a server for a read and counts it in flight; the caller must call {@link
   * Target#release()} when done.
   *
   * @param intent the read intent
   * @param excluded servers that already failed this read
   * @return the chosen server
   * @throws NoEligibleReplicaException when no replica qualifies and the policy is to fail, or when
   *     the primary is excluded too
   * @throws ForeignClusterTokenException for a token of another cluster
   * @throws SQLException if the cluster's identity must be read and cannot be
   */
  public Target route(ReadIntent intent, Set<Target> excluded) throws SQLException {
    String kind = intent.kind().name();
    List<Target> candidates;
    switch (intent.kind()) {
      case STRONG:
        return choose(primary, kind, "strong");
      case READ_YOUR_WRITES:
        return routeReadYourWrites(intent, excluded);
      case BOUNDED_STALENESS:
        long bound = intent.maxStaleness().toNanos();
        long now = settings.time().nanoTime();
        candidates =
            inRotation(excluded).stream()
                .filter(
                    t -> t.status().replayDelay().toNanos() + (now - t.checkedAtNanos()) <= bound)
                .collect(Collectors.toList());
        break;
      default:
        candidates = inRotation(excluded);
    }
    Target chosen = pick(candidates);
    return chosen != null ? choose(chosen, kind, "eligible") : noReplica(intent, excluded);
  }

  private Target routeReadYourWrites(ReadIntent intent, Set<Target> excluded) throws SQLException {
    ConsistencyToken token = Require.notNull(intent.token(), "token");
    Positions.PrimaryPosition p = clusterIdentity();
    if (token.systemIdentifier() != p.systemIdentifier()) {
      throw new ForeignClusterTokenException(token.systemIdentifier(), p.systemIdentifier());
    }
    String kind = intent.kind().name();
    List<Target> rotation = inRotation(excluded);
    if (token.timeline() == p.timeline()) {
      // A replica that has replayed the token proves it real: no need to ask the primary.
      Target chosen =
          pick(
              rotation.stream()
                  .filter(t -> t.hasReplayed(token.lsnValue()))
                  .collect(Collectors.toList()));
      if (chosen != null) {
        return choose(chosen, kind, "eligible");
      }
    }
    if (p.isBehind(token)) {
      p = refuseIfAheadOfThePrimary(token, p);
    }
    if (token.timeline() == p.timeline()
        && !settings.readYourWritesWait().isZero()
        && !rotation.isEmpty()) {
      Target best = rotation.get(0);
      for (Target t : rotation) {
        if (later(t.replayLsn(), best.replayLsn())) {
          best = t;
        }
      }
      long deadline = settings.time().nanoTime() + settings.readYourWritesWait().toNanos();
      if (waitFor(best, token.lsnValue(), deadline)) {
        return choose(best, kind, "waited");
      }
    }
    rywFallbacks.incrementAndGet();
    settings.metrics().readYourWritesFallback();
    return noReplica(intent, excluded);
  }

  private static boolean later(OptionalLong a, OptionalLong b) {
    return a.isPresent() && (b.isEmpty() || Long.compareUnsigned(a.getAsLong(), b.getAsLong()) > 0);
  }

  /**
   * A token ahead of the primary's last known position was minted since the last check, or was not
   * minted by this primary at all (forged, corrupted, or from before a restore). The primary's
   * position is read now, once for every caller waiting at the same time, and a token still ahead
   * of it is refused: no primary wrote it, so no replica will ever replay it. If the primary cannot
   * be asked, the token is not refused without proof: the read goes on as before (a bounded wait,
   * then the fallback).
   *
   * @return the primary's position to route with
   * @throws InvalidConsistencyTokenException if the token is ahead of the primary's current
   *     position
   */
  private Positions.PrimaryPosition refuseIfAheadOfThePrimary(
      ConsistencyToken token, Positions.PrimaryPosition known) {
    Positions.PrimaryPosition now;
    try {
      now = freshPrimary();
    } catch (SQLException | RuntimeException e) {
      LOG.debug(
          "could not read the primary's position to check a token ahead of {}: {}",
          Lsn.format(known.lsn()),
          e.toString());
      return known;
    }
    if (now.isBehind(token)) {
      throw new InvalidConsistencyTokenException(
          "consistency token "
              + token.toHeader()
              + " is ahead of the primary's current position "
              + now.token().toHeader()
              + ": no primary of this cluster wrote it (forged, corrupted, or from before a restore); refused");
    }
    return now;
  }

  /**
   * The primary's position read after this call began: by this caller, or by another that began
   * reading meanwhile (single flight: concurrent callers share one query).
   */
  private Positions.PrimaryPosition freshPrimary() throws SQLException {
    long asked = settings.time().nanoTime();
    refreshLock.lock();
    try {
      Positions.PrimaryPosition p = cluster;
      if (refreshed && p != null && refreshStartedAtNanos - asked >= 0) {
        return p;
      }
      long started = settings.time().nanoTime();
      try (Connection c = probe(primary, settings.healthCheckTimeout().toMillis())) {
        Positions.PrimaryPosition fresh = Positions.primary(c);
        if (fresh.inRecovery()) {
          throw new IllegalStateException(
              "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
        }
        noteCluster(fresh);
        history.observe(fresh.lsn(), settings.time().nanoTime());
        refreshStartedAtNanos = started;
        refreshed = true;
        return fresh;
      }
    } finally {
      refreshLock.unlock();
    }
  }

  private Target choose(Target t, String kind, String reason) {
    t.acquire();
    settings.metrics().routed(t.route(), kind, reason);
    return t;
  }

  private Target noReplica(ReadIntent intent, Set<Target> excluded) {
    if (settings.failWhenNoReplica() || excluded.contains(primary)) {
      throw new NoEligibleReplicaException(
          "no replica can serve a read with intent "
              + intent
              + (excluded.isEmpty() ? "" : " (failed already: " + excluded + ")")
              + "; replicas: "
              + describe());
    }
    primaryFallbacks.incrementAndGet();
    return choose(primary, intent.kind().name(), "fallback");
  }

  private String describe() {
    return replicas.stream()
        .map(t -> t.name() + "=" + t.status().state() + " (" + t.status().detail() + ")")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private List<Target> inRotation(Set<Target> excluded) {
    OptionalLong needed = required.get();
    List<Target> out = new ArrayList<>(replicas.size());
    for (Target t : replicas) {
      if (t.state() == State.HEALTHY
          && !excluded.contains(t)
          && (needed.isEmpty() || t.hasReplayed(needed.getAsLong()))) {
        out.add(t);
      }
    }
    return out;
  }

  private @Nullable Target pick(List<Target> candidates) {
    if (candidates.isEmpty()) {
      return null;
    }
    int start = Math.floorMod(roundRobin.getAndIncrement(), candidates.size());
    if (!settings.leastInFlight()) {
      return candidates.get(start);
    }
    Target best = null;
    for (int i = 0; i < candidates.size(); i++) {
      Target t = candidates.get((start + i) % candidates.size());
      if (best == null || t.inFlight() < best.inFlight()) {
        best = t;
      }
    }
    return best;
  }

  private boolean waitFor(Target replica, long lsn, long deadlineNanos) {
    long probeMillis =
        Math.min(
            settings.healthCheckTimeout().toMillis(),
            TimeUnit.NANOSECONDS.toMillis(deadlineNanos - settings.time().nanoTime())
                + PROBE_GRACE_MILLIS);
    try (Connection c = probe(replica, probeMillis)) {
      while (true) {
        OptionalLong replayed = Positions.replayLsn(c);
        if (replayed.isPresent()) {
          replica.observe(replayed.getAsLong());
          if (Lsn.reached(replayed.getAsLong(), lsn)) {
            return true;
          }
        }
        long remaining = deadlineNanos - settings.time().nanoTime();
        if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
          return false;
        }
        LockSupport.parkNanos(Math.min(remaining, PROBE_PAUSE_NANOS));
      }
    } catch (SQLException e) {
      LOG.debug("read-your-writes wait on {} failed: {}", replica, e.toString());
      return false;
    }
  }

  /**
   * The cluster's identity and timeline as last read from the primary, reading it now if never.
   *
   * @return the primary's last position
   * @throws SQLException if it must be read and cannot be
   */
  public Positions.PrimaryPosition clusterIdentity() throws SQLException {
    Positions.PrimaryPosition p = cluster;
    if (p != null) {
      return p;
    }
    try (Connection c = primary.dataSource().getConnection()) {
      Positions.PrimaryPosition fresh = Positions.primary(c);
      if (fresh.inRecovery()) {
        throw new IllegalStateException(
            "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
      }
      noteCluster(fresh);
      return fresh;
    }
  }

  /**
   * Reads the primary's current position on a connection to it, as a token.
   *
   * @param primaryConnection a connection to the primary, after the write committed
   * @return the token
   * @throws SQLException if the query fails
   * @throws IllegalStateException if the server is in recovery
   */
  public ConsistencyToken mint(Connection primaryConnection) throws SQLException {
    Positions.PrimaryPosition p = Positions.primary(primaryConnection);
    ConsistencyToken token = p.token();
    noteCluster(p);
    return token;
  }

  /**
   * Requires every replica to have replayed {@code token} before it is in rotation again. The
   * primary's current position is read first: a position it has not reached is refused, since no
   * replica would ever reach it and every replica would stay out of rotation for good.
   *
   * @param token the position
   * @throws ForeignClusterTokenException if the token is of another cluster
   * @throws InvalidConsistencyTokenException if the token is ahead of the primary's current
   *     position (a later LSN on its timeline, or a later timeline)
   * @throws SQLException if the primary's position cannot be read
   */
  public void require(ConsistencyToken token) throws SQLException {
    Positions.PrimaryPosition p = freshPrimary();
    if (token.systemIdentifier() != p.systemIdentifier()) {
      throw new ForeignClusterTokenException(token.systemIdentifier(), p.systemIdentifier());
    }
    if (p.isBehind(token)) {
      throw new InvalidConsistencyTokenException(
          "required position "
              + token.toHeader()
              + " is ahead of the primary's current position "
              + p.token().toHeader()
              + ": no replica would ever replay it; refused");
    }
    required.accumulateAndGet(
        OptionalLong.of(token.lsnValue()),
        (a, b) -> a.isEmpty() || Long.compareUnsigned(b.getAsLong(), a.getAsLong()) > 0 ? b : a);
  }

  /**
   * Waits until every replica has replayed {@code token}.
   *
   * @param token the position
   * @param timeout the longest wait
   * @return the names of replicas that had not replayed it in time (empty when all did)
   */
  public List<String> awaitReplayed(ConsistencyToken token, Duration timeout) {
    long deadline = settings.time().nanoTime() + timeout.toNanos();
    List<String> late = new ArrayList<>();
    for (Target r : replicas) {
      if (!waitFor(r, token.lsnValue(), deadline)) {
        late.add(r.name());
      }
    }
    return late;
  }

  /**
   * @return every replica's status
   */
  public List<ReplicaStatus> statuses() {
    return replicas.stream().map(Target::status).collect(Collectors.toList());
  }

  /**
   * @return the primary
   */
  public Target primary() {
    return primary;
  }

  /**
   * @return the primary read pool as configured, whether in use or not; null if none
   */
  public @Nullable DataSource configuredPrimaryReads() {
    return primaryReads;
  }

  /**
   * @return whether reads on the primary may use the primary read pool now (its last check passed)
   */
  public boolean primaryReadsUsable() {
    return primaryReadsUsable;
  }

  /**
   * @return the replicas
   */
  public List<Target> replicas() {
    return replicas;
  }

  /**
   * @return read-your-writes reads no replica could serve in time
   */
  public long readYourWritesFallbacks() {
    return rywFallbacks.get();
  }

  /**
   * @return reads sent to the primary because no replica qualified
   */
  public long primaryFallbacks() {
    return primaryFallbacks.get();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    LOG.info("replica router stopped");
  }
}
