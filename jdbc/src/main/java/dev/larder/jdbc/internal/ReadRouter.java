package dev.larder.jdbc.internal;

import dev.larder.core.internal.Require;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import dev.larder.jdbc.NoEligibleReplicaException;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaStatus.State;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses where one read runs, from what the health checks and the cluster's positions say: a
 * replica in rotation that qualifies for the read's intent (round robin or least in flight), else
 * the primary (or {@link NoEligibleReplicaException} when the router must not fall back). On the
 * primary it also chooses how the read stays read-only: in a session of the primary read pool while
 * its last check passed, else in a {@code READ ONLY} transaction ({@link Route.Mode}). Routing does
 * no I/O except for read-your-writes: the bounded wait for a replica to replay the token, and
 * reading the primary's position for a token ahead of the last one known.
 *
 * <p>Thread-safe: reads route concurrently; the balancing cursor and counters are atomic.
 */
final class ReadRouter {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");

  private final Target primary;
  private final @Nullable DataSource primaryReads;
  private final BooleanSupplier primaryReadsUsable;
  private final List<Target> replicas;
  private final RouterSettings settings;
  private final ClusterPositions positions;
  private final ReplayWait replayWait;
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final AtomicLong rywFallbacks = new AtomicLong();
  private final AtomicLong primaryFallbacks = new AtomicLong();

  /**
   * Creates the router.
   *
   * @param primary the primary
   * @param primaryReads the primary read pool, or null
   * @param primaryReadsUsable whether its last check passed
   * @param replicas the replicas, with their health as last checked
   * @param settings balancing, fallback policy, read-your-writes wait, clock, metrics
   * @param positions the cluster's positions
   * @param replayWait waits for a replica to replay a token
   */
  ReadRouter(
      Target primary,
      @Nullable DataSource primaryReads,
      BooleanSupplier primaryReadsUsable,
      List<Target> replicas,
      RouterSettings settings,
      ClusterPositions positions,
      ReplayWait replayWait) {
    this.primary = primary;
    this.primaryReads = primaryReads;
    this.primaryReadsUsable = primaryReadsUsable;
    this.replicas = List.copyOf(replicas);
    this.settings = settings;
    this.positions = positions;
    this.replayWait = replayWait;
  }

  /**
   * Chooses a server for a read and counts it in flight; the caller must call {@link
   * Target#release()} when done.
   *
   * @param intent the read intent
   * @param excluded servers that already failed this read
   * @param readSessions whether a read on the primary may run in the primary read pool's sessions
   *     ({@code RoutingDataSource}'s may not)
   * @return the route
   * @throws NoEligibleReplicaException when no replica qualifies and the policy is to fail, or when
   *     the primary is excluded too
   * @throws ForeignClusterTokenException for a token of another cluster
   * @throws InvalidConsistencyTokenException for a token ahead of the primary's current position
   * @throws ClusterIdentityUnavailableException if the cluster's identity must be read and cannot
   *     be
   */
  Route route(ReadIntent intent, Set<Target> excluded, boolean readSessions) {
    String kind = intent.kind().name();
    List<Target> candidates;
    switch (intent.kind()) {
      case STRONG -> {
        return choose(primary, kind, "strong", readSessions);
      }
      case READ_YOUR_WRITES -> {
        return routeReadYourWrites(intent, excluded, readSessions);
      }
      case BOUNDED_STALENESS -> {
        // BOUNDED_STALENESS intents always carry their bound.
        long bound = java.util.Objects.requireNonNull(intent.maxStaleness()).toNanos();
        long now = settings.time().nanoTime();
        candidates =
            inRotation(excluded).stream()
                .filter(
                    t -> t.status().replayDelay().toNanos() + (now - t.checkedAtNanos()) <= bound)
                .collect(Collectors.toList());
      }
      default -> candidates = inRotation(excluded);
    }
    Target chosen = pick(candidates);
    return chosen != null
        ? choose(chosen, kind, "eligible", readSessions)
        : noReplica(intent, excluded, readSessions);
  }

  private Route routeReadYourWrites(ReadIntent intent, Set<Target> excluded, boolean readSessions) {
    ConsistencyToken token = Require.notNull(intent.token(), "token");
    Positions.PrimaryPosition p;
    try {
      p = positions.identity();
    } catch (SQLException e) {
      throw new ClusterIdentityUnavailableException(e);
    }
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
        return choose(chosen, kind, "eligible", readSessions);
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
      if (replayWait.waitFor(best, token.lsnValue(), deadline)) {
        return choose(best, kind, "waited", readSessions);
      }
    }
    rywFallbacks.incrementAndGet();
    settings.metrics().readYourWritesFallback();
    return noReplica(intent, excluded, readSessions);
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
      now = positions.fresh();
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

  private Route choose(Target t, String kind, String reason, boolean readSessions) {
    Route route;
    if (!t.isPrimary()) {
      route = new Route(t, Route.Mode.REPLICA, t.dataSource());
    } else {
      DataSource sessions = primaryReads;
      route =
          readSessions && sessions != null && primaryReadsUsable.getAsBoolean()
              ? new Route(t, Route.Mode.PRIMARY_READ_SESSION, sessions)
              : new Route(t, Route.Mode.PRIMARY_READ_ONLY_TRANSACTION, t.dataSource());
    }
    t.acquire();
    settings.metrics().routed(t.route(), kind, reason);
    return route;
  }

  private Route noReplica(ReadIntent intent, Set<Target> excluded, boolean readSessions) {
    if (settings.failWhenNoReplica() || excluded.contains(primary)) {
      throw new NoEligibleReplicaException(
          "no replica can serve a read with intent "
              + intent
              + (excluded.isEmpty() ? "" : " (failed already: " + excluded + ")")
              + "; replicas: "
              + describe());
    }
    primaryFallbacks.incrementAndGet();
    return choose(primary, intent.kind().name(), "fallback", readSessions);
  }

  private String describe() {
    return replicas.stream()
        .map(t -> t.name() + "=" + t.status().state() + " (" + t.status().detail() + ")")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private List<Target> inRotation(Set<Target> excluded) {
    OptionalLong needed = positions.required();
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

  /** {@return read-your-writes reads no replica could serve in time} */
  long readYourWritesFallbacks() {
    return rywFallbacks.get();
  }

  /** {@return reads sent to the primary because no replica qualified} */
  long primaryFallbacks() {
    return primaryFallbacks.get();
  }
}
