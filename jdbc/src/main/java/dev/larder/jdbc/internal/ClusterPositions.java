package dev.larder.jdbc.internal;

import dev.larder.core.TimeSource;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the router knows of the cluster's positions: the primary's last position and identity
 * (system identifier, timeline), when the primary was first seen at each WAL position ({@link
 * PrimaryHistory}), and the position every replica must have replayed to be in rotation ({@link
 * #require}). Its only I/O is reading the primary's position when asked for a fresh one (one query,
 * shared by every caller waiting at that moment) or for an identity never read.
 *
 * <p>Thread-safe: the health checks write it, reads and writes on any thread read it.
 */
final class ClusterPositions {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");

  private final DataSource primary;
  private final ServerProbes probes;
  private final TimeSource time;
  private final long probeTimeoutMillis;

  /** When each primary position was first seen: how far behind a standby is, in time. */
  private final PrimaryHistory history = new PrimaryHistory();

  private volatile Positions.@Nullable PrimaryPosition cluster;

  /** The position every replica must have replayed to be in rotation; empty for none. */
  private final AtomicReference<OptionalLong> required =
      new AtomicReference<>(OptionalLong.empty());

  /** One primary position read at a time for tokens ahead of the last known one. */
  private final ReentrantLock refreshLock = new ReentrantLock();

  /** When the last such read began; guarded by {@link #refreshLock}. */
  private long refreshStartedAtNanos;

  /** Whether such a read ever succeeded; guarded by {@link #refreshLock}. */
  private boolean refreshed;

  /**
   * Creates the positions, knowing nothing yet.
   *
   * @param primary the primary's pool
   * @param probes how to ask it
   * @param time the router's clock
   * @param probeTimeoutMillis longest wait for the primary's answer to a fresh read
   */
  ClusterPositions(
      DataSource primary, ServerProbes probes, TimeSource time, long probeTimeoutMillis) {
    this.primary = primary;
    this.probes = probes;
    this.time = time;
    this.probeTimeoutMillis = probeTimeoutMillis;
  }

  /** {@return the primary's last known position, or null if never read} */
  Positions.@Nullable PrimaryPosition known() {
    return cluster;
  }

  /**
   * Records the primary's position as a health check (or a fresh read) found it: its identity, and
   * the time it was first seen at its position.
   *
   * @param p the position, of a primary out of recovery
   * @param nanos when it was read, on the router's clock
   */
  void observePrimary(Positions.PrimaryPosition p, long nanos) {
    noteCluster(p);
    history.observe(p.lsn(), nanos);
  }

  /**
   * Records a position read after a commit and returns it as that commit's token.
   *
   * @param p the primary's position on the writing connection
   * @return the token
   * @throws IllegalStateException if the server is in recovery
   */
  ConsistencyToken minted(Positions.PrimaryPosition p) {
    ConsistencyToken token = p.token();
    noteCluster(p);
    return token;
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

  /**
   * When the primary was first seen past a standby's replay position ({@link
   * PrimaryHistory#firstSeenPast}).
   *
   * @param replayed the standby's replay position
   * @return that time on the router's clock, or empty if never seen past it
   */
  OptionalLong firstSeenPast(long replayed) {
    return history.firstSeenPast(replayed);
  }

  /** {@return the latest primary position seen by a check, empty if none} */
  OptionalLong latestPrimaryLsn() {
    return history.latest();
  }

  /** {@return the position every replica must have replayed to be in rotation, empty for none} */
  OptionalLong required() {
    return java.util.Objects.requireNonNull(required.get()); // set at construction, never null
  }

  /**
   * The cluster's identity and timeline as last read from the primary, reading it now (with the
   * pool's own timeouts) if never.
   *
   * @return the primary's last position
   * @throws SQLException if it must be read and cannot be
   * @throws IllegalStateException if the primary's pool reaches a server in recovery
   */
  Positions.PrimaryPosition identity() throws SQLException {
    Positions.PrimaryPosition p = cluster;
    if (p != null) {
      return p;
    }
    Positions.PrimaryPosition fresh = probes.primary(primary, 0);
    if (fresh.inRecovery()) {
      throw new IllegalStateException(
          "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
    }
    noteCluster(fresh);
    return fresh;
  }

  /**
   * The primary's position read after this call began: by this caller, or by another that began
   * reading meanwhile (single flight: concurrent callers share one query).
   *
   * @return the fresh position
   * @throws SQLException if the primary cannot be asked
   * @throws IllegalStateException if the primary's pool reaches a server in recovery
   */
  Positions.PrimaryPosition fresh() throws SQLException {
    long asked = time.nanoTime();
    refreshLock.lock();
    try {
      Positions.PrimaryPosition p = cluster;
      if (refreshed && p != null && refreshStartedAtNanos - asked >= 0) {
        return p;
      }
      long started = time.nanoTime();
      Positions.PrimaryPosition fresh = probes.primary(primary, probeTimeoutMillis);
      if (fresh.inRecovery()) {
        throw new IllegalStateException(
            "the primary is in recovery (pg_is_in_recovery() is true): it is a standby");
      }
      observePrimary(fresh, time.nanoTime());
      refreshStartedAtNanos = started;
      refreshed = true;
      return fresh;
    } finally {
      refreshLock.unlock();
    }
  }

  /**
   * Requires every replica to have replayed {@code token} before it is in rotation again; positions
   * only rise. The primary's current position is read first: a position it has not reached is
   * refused, since no replica would ever reach it and every replica would stay out for good.
   *
   * @param token the position
   * @throws ForeignClusterTokenException if the token is of another cluster
   * @throws InvalidConsistencyTokenException if the token is ahead of the primary's current
   *     position (a later LSN on its timeline, or a later timeline)
   * @throws SQLException if the primary's position cannot be read
   */
  void require(ConsistencyToken token) throws SQLException {
    Positions.PrimaryPosition p = fresh();
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
}
