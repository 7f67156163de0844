package dev.larder.jdbc.internal;

import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import dev.larder.jdbc.ReplicaStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's parts, wired: the {@link HealthMonitor} (background checks, rotation), the {@link
 * ClusterPositions} (the primary's positions and identity, the required position), the {@link
 * ReadRouter} (a server per read) and the {@link Failover} loop both front doors run reads through.
 * What {@code ReplicaRouter}, {@code RoutingJdbi} and {@code RoutingDataSource} need of them goes
 * through here.
 *
 * <p>Thread-safe, as each part is.
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");

  private final Target primary;
  private final @Nullable DataSource primaryReads;
  private final List<Target> replicas;
  private final RouterSettings settings;
  private final ClusterPositions positions;
  private final HealthMonitor monitor;
  private final ReadRouter router;
  private final ReplayWait replayWait;
  private final Failover failover;

  /**
   * Creates the engine; call {@link #start(boolean)} next.
   *
   * @param primary the primary
   * @param primaryReads a pool of read-only sessions on the primary for reads routed there, or null
   * @param replicas the replicas
   * @param settings the settings
   */
  public Engine(
      Target primary,
      @Nullable DataSource primaryReads,
      List<Target> replicas,
      RouterSettings settings) {
    this(primary, primaryReads, replicas, settings, new JdbcProbes());
  }

  Engine(
      Target primary,
      @Nullable DataSource primaryReads,
      List<Target> replicas,
      RouterSettings settings,
      ServerProbes probes) {
    this.primary = primary;
    this.primaryReads = primaryReads;
    this.replicas = List.copyOf(replicas);
    this.settings = settings;
    long probeTimeout = settings.healthCheckTimeout().toMillis();
    this.positions =
        new ClusterPositions(primary.dataSource(), probes, settings.time(), probeTimeout);
    this.monitor =
        new HealthMonitor(primary, primaryReads, this.replicas, settings, probes, positions);
    this.replayWait = new ReplayWait(probes, settings.time(), probeTimeout);
    this.router =
        new ReadRouter(
            primary,
            primaryReads,
            monitor::primaryReadsUsable,
            this.replicas,
            settings,
            positions,
            replayWait);
    this.failover = new Failover(router::route, monitor::markFailed, settings.classifier());
  }

  /**
   * Starts the background checks.
   *
   * @param checkNow run one round of checks before returning, so replicas are in rotation at once
   * @throws IllegalStateException when checking now finds the primary's pool on a standby, or the
   *     primary read pool's sessions not read-only on this primary
   */
  public void start(boolean checkNow) {
    monitor.start(checkNow);
  }

  /** Checks the primary, then every replica, on the calling thread. */
  public void checkAll() {
    monitor.checkAll();
  }

  /** {@return the failover loop reads run through} */
  public Failover failover() {
    return failover;
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
    return positions.minted(Positions.primary(primaryConnection));
  }

  /**
   * Requires every replica to have replayed {@code token} before it is in rotation again.
   *
   * @param token the position
   * @throws ForeignClusterTokenException if the token is of another cluster
   * @throws InvalidConsistencyTokenException if the token is ahead of the primary's current
   *     position (a later LSN on its timeline, or a later timeline)
   * @throws SQLException if the primary's position cannot be read
   */
  public void require(ConsistencyToken token) throws SQLException {
    positions.require(token);
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
      if (!replayWait.waitFor(r, token.lsnValue(), deadline)) {
        late.add(r.name());
      }
    }
    return late;
  }

  /** {@return every replica's status} */
  public List<ReplicaStatus> statuses() {
    return replicas.stream().map(Target::status).collect(Collectors.toList());
  }

  /** {@return the primary} */
  public Target primary() {
    return primary;
  }

  /** {@return the primary read pool as configured, whether in use or not; null if none} */
  public @Nullable DataSource configuredPrimaryReads() {
    return primaryReads;
  }

  /**
   * {@return whether reads on the primary may use the primary read pool now (its last check
   * passed)}
   */
  public boolean primaryReadsUsable() {
    return monitor.primaryReadsUsable();
  }

  /** {@return the replicas} */
  public List<Target> replicas() {
    return replicas;
  }

  /** {@return read-your-writes reads no replica could serve in time} */
  public long readYourWritesFallbacks() {
    return router.readYourWritesFallbacks();
  }

  /** {@return reads sent to the primary because no replica qualified} */
  public long primaryFallbacks() {
    return router.primaryFallbacks();
  }

  @Override
  public void close() {
    monitor.close();
    LOG.info("replica router stopped");
  }
}
