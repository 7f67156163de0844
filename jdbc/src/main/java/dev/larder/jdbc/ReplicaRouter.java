package dev.larder.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.core.FailureClassifier;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.jdbc.internal.Engine;
import dev.larder.jdbc.internal.JdbcMetrics;
import dev.larder.jdbc.internal.RouterSettings;
import dev.larder.jdbc.internal.Target;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A PostgreSQL primary and its streaming replicas, each behind its own pool, with background health
 * checks deciding which replicas may serve reads.
 *
 * <p>A scheduled thread checks every server each {@link Builder#healthCheckInterval(Duration)}: the
 * primary's WAL position and cluster identity, and for each replica its role ({@code
 * pg_is_in_recovery()}), its replay position, its lag in bytes ({@code pg_wal_lsn_diff} against the
 * primary), its WAL receiver ({@code pg_stat_wal_receiver}) and its replay delay, measured against
 * the primary: at least the time since the router first saw the primary past the replica's replay
 * position (so an idle primary is no lag, and a standby that receives nothing is), or the time
 * since its last replayed transaction while received WAL waits, whichever is larger. A replica that
 * is down, not a standby, of another cluster, behind either bound, or not streaming while the
 * primary is ahead of it leaves rotation and comes back when healthy; each change is logged. With
 * {@code I} the check interval, a replica leaves within {@code maxReplayDelay + 2·I} of the first
 * write it misses (within {@code 2·I} when its receiver is not streaming), plus the checks' own
 * time. Routing reads that map and costs no round trip.
 *
 * <p>Two front doors use a router: {@link RoutingJdbi} (JDBI) and {@link RoutingDataSource} (plain
 * JDBC and frameworks). The router does not own the pools: close them yourself after {@link
 * #close()}.
 *
 * <pre>{@code
 * ReplicaRouter router = ReplicaRouter.builder()
 *     .primary(primaryPool)
 *     .replica("replica-1", replicaPool)
 *     .maxReplayDelay(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 *
 * <p>Thread-safe: share one router between threads, front doors and {@link Migrations}; its health
 * checks run on their own daemon threads. Its {@link Builder} is not thread-safe.
 */
public final class ReplicaRouter implements AutoCloseable {

  /**
   * How reads are spread over eligible replicas.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum Balancing {
    /** Each eligible replica in turn. */
    ROUND_ROBIN,
    /** The eligible replica with the fewest reads running (ties in turn). */
    LEAST_IN_FLIGHT
  }

  /**
   * What a read does when no replica qualifies for its intent.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum NoReplicaPolicy {
    /** Read from the primary (counted in {@link #primaryFallbacks()}). */
    PRIMARY,
    /** Fail with {@link NoEligibleReplicaException}. */
    FAIL
  }

  /** Default {@link Builder#maxLagBytes(long)}: 16 MiB of WAL. */
  public static final long DEFAULT_MAX_LAG_BYTES = 16L * 1024 * 1024;

  /** Default {@link Builder#maxReplayDelay(Duration)}. */
  public static final Duration DEFAULT_MAX_REPLAY_DELAY = Duration.ofSeconds(5);

  /** Default {@link Builder#healthCheckInterval(Duration)}. */
  public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(1);

  /** Default {@link Builder#healthCheckTimeout(Duration)}. */
  public static final Duration DEFAULT_HEALTH_CHECK_TIMEOUT = Duration.ofSeconds(2);

  /** Default {@link Builder#readYourWritesWait(Duration)}. */
  public static final Duration DEFAULT_READ_YOUR_WRITES_WAIT = Duration.ofMillis(50);

  private final Engine engine;
  private final ReadIntent defaultIntent;
  private final FailureClassifier classifier;

  private ReplicaRouter(Engine engine, ReadIntent defaultIntent, FailureClassifier classifier) {
    this.engine = engine;
    this.defaultIntent = defaultIntent;
    this.classifier = classifier;
  }

  /**
   * Starts a builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The intent of reads that do not name one.
   *
   * @return the default intent ({@link ReadIntent#any()} unless configured)
   */
  public ReadIntent defaultReadIntent() {
    return defaultIntent;
  }

  /**
   * Every replica as last checked.
   *
   * @return one status per replica, in the order they were added
   */
  public List<ReplicaStatus> replicas() {
    return engine.statuses();
  }

  /**
   * One replica's status.
   *
   * @param name the replica's name
   * @return its status
   * @throws IllegalArgumentException if no replica has that name
   */
  public ReplicaStatus replica(String name) {
    return engine.statuses().stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "replica must be one of " + engine.replicas() + " but was '" + name + "'"));
  }

  /** Checks every server now, on the calling thread, instead of waiting for the next round. */
  public void checkNow() {
    engine.checkAll();
  }

  /**
   * The primary's current WAL position as a token (one query on the primary).
   *
   * @return the position
   * @throws SQLException if the primary cannot be asked
   */
  public ConsistencyToken currentPosition() throws SQLException {
    try (Connection c = engine.primary().dataSource().getConnection()) {
      return engine.mint(c);
    }
  }

  /**
   * Keeps every replica out of rotation until it has replayed {@code position} (used after a
   * migration, so no read sees the old schema). Positions only rise: a lower one is ignored.
   *
   * @param position the position every replica must reach
   * @throws ForeignClusterTokenException if the token is of another cluster
   * @throws SQLException if the cluster's identity cannot be read
   */
  public void requireReplayed(ConsistencyToken position) throws SQLException {
    engine.require(position);
  }

  /**
   * Waits until every replica has replayed {@code position}.
   *
   * @param position the position
   * @param timeout the longest wait, in total
   * @return names of replicas that had not replayed it in time; empty when all had
   */
  public List<String> awaitReplayed(ConsistencyToken position, Duration timeout) {
    Require.nonNegative(timeout, "timeout");
    return engine.awaitReplayed(position, timeout);
  }

  /**
   * How many read-your-writes reads found no replica that had replayed their token in time (and so
   * went to the primary, or failed under {@link NoReplicaPolicy#FAIL}).
   *
   * @return the count since start
   */
  public long readYourWritesFallbacks() {
    return engine.readYourWritesFallbacks();
  }

  /**
   * How many reads went to the primary because no replica qualified.
   *
   * @return the count since start
   */
  public long primaryFallbacks() {
    return engine.primaryFallbacks();
  }

  /**
   * The primary's pool.
   *
   * @return the data source given as primary
   */
  public DataSource primary() {
    return engine.primary().dataSource();
  }

  /**
   * Whether reads routed to the primary run now in the {@link Builder#primaryReadPool(DataSource)
   * primary read pool}'s read-only sessions (its last check found them read-only on this primary),
   * rather than in a {@code READ ONLY} transaction on the primary's own pool.
   *
   * @return false when no primary read pool was given, before its first check, or while it fails
   */
  public boolean primaryReadPoolInUse() {
    return engine.primaryReadsUsable();
  }

  /**
   * Every pool (primary first), for recycling connections after a migration.
   *
   * @return the data sources
   */
  List<DataSource> pools() {
    List<DataSource> all = new ArrayList<>();
    all.add(engine.primary().dataSource());
    DataSource primaryReads = engine.configuredPrimaryReads();
    if (primaryReads != null) {
      all.add(primaryReads);
    }
    engine.replicas().forEach(t -> all.add(t.dataSource()));
    return all;
  }

  Engine engine() {
    return engine;
  }

  FailureClassifier classifier() {
    return classifier;
  }

  /** Stops the health checks. The pools are the caller's to close. */
  @Override
  public void close() {
    engine.close();
  }

  /**
   * Builds a {@link ReplicaRouter}; every setting may be given once.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private @Nullable DataSource primary;
    private @Nullable DataSource primaryReadPool;
    private final Map<String, DataSource> replicas = new LinkedHashMap<>();
    private @Nullable Long maxLagBytes;
    private @Nullable Duration maxReplayDelay;
    private @Nullable Duration healthCheckInterval;
    private @Nullable Duration healthCheckTimeout;
    private @Nullable Balancing balancing;
    private @Nullable NoReplicaPolicy noReplicaPolicy;
    private @Nullable Duration readYourWritesWait;
    private @Nullable ReadIntent defaultIntent;
    private @Nullable FailureClassifier classifier;
    private @Nullable TimeSource timeSource;
    private @Nullable Object meterRegistry;
    private @Nullable Boolean checkOnStart;

    private Builder() {}

    /**
     * The primary's pool (required).
     *
     * @param primary a pool of connections to the primary
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder primary(DataSource primary) {
      Require.notYetSet(this.primary, "primary");
      this.primary = Require.notNull(primary, "primary");
      return this;
    }

    /**
     * A second, small pool of connections to the primary whose sessions are read-only ({@code
     * default_transaction_read_only=on}, set once per connection at connect time, for example with
     * {@link Pools.Builder#readOnlySessions()}), for reads the router sends to the primary (no
     * replica qualifies, {@link ReadIntent#strong()}, read-your-writes fallbacks).
     *
     * <p>Without it, {@link RoutingJdbi} runs such a read in a {@code READ ONLY} transaction on the
     * primary's pool so that a write inside {@code read(...)} fails there as on a standby; the
     * transaction's {@code COMMIT} is a second round trip per read, which about halves read
     * throughput on the primary (see docs/benchmarks.md). With it, the read runs in auto-commit in
     * a read-only session: one round trip, and a write still fails ({@link
     * ReadOnlyViolationException}). The pool is used only while the primary's health check finds a
     * connection from it read-only on this primary (not a standby, same system identifier);
     * otherwise reads fall back to the {@code READ ONLY} transaction, and the change is logged. The
     * session setting guards against mistakes, not against a callback that changes it ({@code SET
     * default_transaction_read_only = off}). The router does not own the pool: close it yourself.
     *
     * @param pool a pool of read-only sessions on the primary
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder primaryReadPool(DataSource pool) {
      Require.notYetSet(this.primaryReadPool, "primaryReadPool");
      this.primaryReadPool = Require.notNull(pool, "primaryReadPool");
      return this;
    }

    /**
     * Adds a replica's pool (none is allowed: every read then goes to the primary).
     *
     * @param name a name unique in this router, used in logs, metrics and errors
     * @param replica a pool of connections to the replica (preferably read-only)
     * @return this builder
     * @throws IllegalArgumentException if the name is blank, {@code primary}, or already used
     */
    public Builder replica(String name, DataSource replica) {
      Require.notNull(name, "replica name");
      Require.notNull(replica, "replica");
      if (name.isBlank() || name.equals(Target.PRIMARY)) {
        throw new IllegalArgumentException(
            "replica name must be non-blank and not 'primary' but was '" + name + "'");
      }
      if (replicas.containsKey(name)) {
        throw new IllegalArgumentException(
            "replica names must be unique but '" + name + "' was given twice");
      }
      replicas.put(name, replica);
      return this;
    }

    /**
     * A replica further behind the primary than this many bytes of WAL leaves rotation.
     *
     * @param bytes the bound, 0 or more (default 16 MiB)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder maxLagBytes(long bytes) {
      Require.notYetSet(maxLagBytes, "maxLagBytes");
      this.maxLagBytes = Require.nonNegative(bytes, "maxLagBytes");
      return this;
    }

    /**
     * A replica whose replay delay exceeds this leaves rotation, at most this plus two {@linkplain
     * #healthCheckInterval(Duration) check intervals} (and the checks' own time) after the first
     * write it misses. The delay is measured against the primary's position (see the class
     * description).
     *
     * @param delay the bound, 0 or more (default 5 s)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder maxReplayDelay(Duration delay) {
      Require.notYetSet(maxReplayDelay, "maxReplayDelay");
      this.maxReplayDelay = Require.nonNegative(delay, "maxReplayDelay");
      return this;
    }

    /**
     * Pause between two health checks of one server; also bounds how long a newly lagging or dead
     * replica stays in rotation.
     *
     * @param interval the pause, more than 0 (default 1 s)
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder healthCheckInterval(Duration interval) {
      Require.notYetSet(healthCheckInterval, "healthCheckInterval");
      this.healthCheckInterval = Require.positive(interval, "healthCheckInterval");
      return this;
    }

    /**
     * How long one health check waits for a server's answer before counting it as down (set as the
     * connection's network timeout). A frozen server keeps its sockets open and answers nothing;
     * without a bound its check would wait for the pool's socket timeout while it stayed in
     * rotation. Also bounds each read-your-writes probe.
     *
     * @param timeout the bound, more than 0 (default 2 s)
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder healthCheckTimeout(Duration timeout) {
      Require.notYetSet(healthCheckTimeout, "healthCheckTimeout");
      this.healthCheckTimeout = Require.positive(timeout, "healthCheckTimeout");
      return this;
    }

    /**
     * How reads are spread over eligible replicas.
     *
     * @param balancing the strategy (default {@link Balancing#ROUND_ROBIN})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder balancing(Balancing balancing) {
      Require.notYetSet(this.balancing, "balancing");
      this.balancing = Require.notNull(balancing, "balancing");
      return this;
    }

    /**
     * What a read does when no replica qualifies.
     *
     * @param policy the policy (default {@link NoReplicaPolicy#PRIMARY})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder whenNoReplica(NoReplicaPolicy policy) {
      Require.notYetSet(noReplicaPolicy, "whenNoReplica");
      this.noReplicaPolicy = Require.notNull(policy, "whenNoReplica");
      return this;
    }

    /**
     * How long a read-your-writes read may wait for a replica to replay its token (polling the most
     * advanced replica) before it falls back. Zero falls back at once.
     *
     * @param wait the bound, 0 or more (default 50 ms)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder readYourWritesWait(Duration wait) {
      Require.notYetSet(readYourWritesWait, "readYourWritesWait");
      this.readYourWritesWait = Require.nonNegative(wait, "readYourWritesWait");
      return this;
    }

    /**
     * The intent of reads that do not name one.
     *
     * @param intent the intent (default {@link ReadIntent#any()})
     * @return this builder
     * @throws IllegalArgumentException for a read-your-writes intent (a token belongs to a call)
     * @throws IllegalStateException if already set
     */
    public Builder defaultReadIntent(ReadIntent intent) {
      Require.notYetSet(defaultIntent, "defaultReadIntent");
      Require.notNull(intent, "defaultReadIntent");
      if (intent.kind() == ReadIntent.Kind.READ_YOUR_WRITES) {
        throw new IllegalArgumentException(
            "defaultReadIntent must not be READ_YOUR_WRITES but was " + intent);
      }
      this.defaultIntent = intent;
      return this;
    }

    /**
     * Judges failures: a read failing on a replica with a database failure the classifier allows
     * repeating for idempotent work ({@code TRANSIENT} or {@code UNKNOWN}, such as a connection
     * lost mid-read) moves to another server. A connection that cannot be had always moves; a
     * failure with no {@code SQLException} in its chain (the caller's own code) never does.
     *
     * @param classifier the classifier (default: larder-resilience's {@code
     *     FailureClassifiers.standard()})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder failureClassifier(FailureClassifier classifier) {
      Require.notYetSet(this.classifier, "failureClassifier");
      this.classifier = Require.notNull(classifier, "failureClassifier");
      return this;
    }

    /**
     * The clock (tests inject a manual one).
     *
     * @param timeSource the clock (default {@link TimeSource#system()})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Require.notYetSet(this.timeSource, "timeSource");
      this.timeSource = Require.notNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Reports routing and replica state to Micrometer: {@code larder.jdbc.reads} (tags route,
     * intent, reason), {@code larder.jdbc.ryw.fallbacks}, and per replica {@code
     * larder.jdbc.replica.lag.bytes}, {@code .in.rotation}, {@code .in.flight}.
     *
     * @param registry the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Require.notYetSet(meterRegistry, "meterRegistry");
      this.meterRegistry = Require.notNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Whether {@link #build()} checks every server once before returning (so replicas serve reads
     * at once, and a primary pool that reaches a standby is refused); otherwise the first
     * background round does, and reads go to the primary until then. A primary that does not answer
     * at start is logged, not refused: it may be starting.
     *
     * @param check whether to check on start (default {@code true})
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder checkOnStart(boolean check) {
      Require.notYetSet(checkOnStart, "checkOnStart");
      this.checkOnStart = check;
      return this;
    }

    /**
     * Builds the router and starts its health checks.
     *
     * @return the router
     * @throws IllegalStateException if no primary was given, a replica pool is the primary's, the
     *     primary read pool is the primary's or a replica's, or (when checking on start) the
     *     primary's pool reaches a server in recovery (a standby) or the primary read pool answers
     *     with sessions that are not read-only or not on the primary
     */
    // The same pool object given twice is the mistake; equal-but-distinct pools are fine.
    @SuppressWarnings("ReferenceEquality")
    public ReplicaRouter build() {
      if (primary == null) {
        throw new IllegalStateException("primary must be set: a router needs a primary pool");
      }
      for (Map.Entry<String, DataSource> e : replicas.entrySet()) {
        if (e.getValue() == primary) {
          throw new IllegalStateException(
              "replica '" + e.getKey() + "' must not be the primary's pool");
        }
        if (e.getValue() == primaryReadPool) {
          throw new IllegalStateException(
              "replica '" + e.getKey() + "' must not be the primary read pool");
        }
      }
      if (primaryReadPool == primary) {
        throw new IllegalStateException(
            "primaryReadPool must be a pool of read-only sessions apart from the"
                + " primary's pool but was the primary's pool itself");
      }
      FailureClassifier fc = classifier != null ? classifier : DefaultClassifier.get();
      RouterSettings settings =
          new RouterSettings(
              maxLagBytes != null ? maxLagBytes : DEFAULT_MAX_LAG_BYTES,
              maxReplayDelay != null ? maxReplayDelay : DEFAULT_MAX_REPLAY_DELAY,
              healthCheckInterval != null ? healthCheckInterval : DEFAULT_HEALTH_CHECK_INTERVAL,
              healthCheckTimeout != null ? healthCheckTimeout : DEFAULT_HEALTH_CHECK_TIMEOUT,
              balancing == Balancing.LEAST_IN_FLIGHT,
              noReplicaPolicy == NoReplicaPolicy.FAIL,
              readYourWritesWait != null ? readYourWritesWait : DEFAULT_READ_YOUR_WRITES_WAIT,
              timeSource != null ? timeSource : TimeSource.system(),
              JdbcMetrics.of(meterRegistry),
              fc);
      List<Target> targets = new ArrayList<>();
      replicas.forEach((name, ds) -> targets.add(new Target(name, ds, false)));
      Engine engine =
          new Engine(new Target(Target.PRIMARY, primary, true), primaryReadPool, targets, settings);
      engine.start(checkOnStart == null || checkOnStart);
      return new ReplicaRouter(
          engine, defaultIntent != null ? defaultIntent : ReadIntent.any(), fc);
    }
  }

  /** Soft-evicts a Hikari pool's connections; other data sources are left alone. */
  static boolean softEvict(DataSource ds) {
    if (ds instanceof HikariDataSource h && h.getHikariPoolMXBean() != null) {
      h.getHikariPoolMXBean().softEvictConnections();
      return true;
    }
    return false;
  }
}
