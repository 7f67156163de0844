package dev.larder.checker.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheResult;
import dev.larder.cache.InvalidationPendingException;
import dev.larder.cache.LarderCache;
import dev.larder.cache.SourcedInvalidation;
import dev.larder.checker.CheckerConfig;
import dev.larder.checker.FaultContext;
import dev.larder.checker.internal.Op.Outcome;
import dev.larder.core.InvalidationSource;
import dev.larder.core.KeyNamespace;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.PoolPreset;
import dev.larder.jdbc.Pools;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.RoutingJdbi;
import dev.larder.jdbc.Written;
import dev.larder.jdbc.invalidation.PgOutbox;
import dev.larder.jdbc.invalidation.PgOutboxSource;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.PostgresServer;
import dev.larder.testkit.RedisServer;
import dev.larder.testkit.Tier;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload of one run: a table of K rows {@code (id, version)} on the testkit's PostgreSQL, N
 * cache instances (each its own Redisson client) on one namespace, writers using the three
 * documented write paths, cache readers and routed readers; then the end phase (convergence and the
 * lost-invalidation sweep), the close, and the leak probe. Everything it does is recorded in the
 * {@link History}.
 */
public final class Workload implements FaultContext, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Workload.class);

  /** Thread name prefixes whose threads must all be gone after the close (check 6). */
  public static final List<String> THREAD_PREFIXES = List.of("larder-", "redisson", "HikariPool");

  private static final CacheCodec<Long> LONG_CODEC =
      CacheCodec.of(
          v -> ByteBuffer.allocate(Long.BYTES).putLong(v).array(),
          b -> {
            if (b.length != Long.BYTES) {
              throw new IllegalArgumentException("a long is 8 bytes, not " + b.length);
            }
            return ByteBuffer.wrap(b).getLong();
          });

  private final CheckerConfig config;
  private final History history;
  private final Tier tier;
  private final RedisServer redis;
  private final PostgresCluster postgres;
  private final String cacheName;
  private final int outboxInstance;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final List<LarderCache<Long>> caches = new ArrayList<>();
  private final List<Switch> switches = new ArrayList<>();
  private final AtomicReferenceArray<TokenWrite> lastWrite;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<String> anomalies = new ArrayList<>();
  private @Nullable String database;
  private @Nullable RoutingJdbi jdbi;
  private @Nullable PgOutbox outbox;
  private LeakProbe.@Nullable Snapshot baseline;

  /** A committed write whose token routed readers may carry. */
  private record TokenWrite(ConsistencyToken token, long version) {}

  /**
   * Describes the workload; nothing starts until {@link #setUp()}.
   *
   * @param config the run's configuration
   * @param history where operations are recorded
   */
  public Workload(CheckerConfig config, History history) {
    this.config = config;
    this.history = history;
    this.tier = LarderServices.tier();
    this.redis = LarderServices.redis();
    this.postgres = LarderServices.postgres();
    this.cacheName =
        "checker-"
            + Long.toHexString(config.seed() & 0xffffffL)
            + "-"
            + Long.toHexString(System.nanoTime() & 0xfffL);
    this.outboxInstance = (int) Math.floorMod(config.seed(), (long) config.instances());
    this.lastWrite = new AtomicReferenceArray<>(config.keys());
  }

  @Override
  public Tier tier() {
    return tier;
  }

  @Override
  public RedisServer redis() {
    return redis;
  }

  @Override
  public PostgresCluster postgres() {
    return postgres;
  }

  @Override
  public int instances() {
    return caches.size();
  }

  @Override
  public LarderCache<Long> cache(int instance) {
    return caches.get(instance);
  }

  @Override
  public LoaderSwitch loader(int instance) {
    return switches.get(instance);
  }

  /**
   * The instance the outbox source is bound to.
   *
   * @return its index
   */
  public int outboxInstance() {
    return outboxInstance;
  }

  /**
   * Things that went wrong in the harness itself (not in the system under test), for the report.
   *
   * @return messages
   */
  public List<String> anomalies() {
    return anomalies;
  }

  /**
   * Takes the leak baseline, creates the database, the table, the pools, the router, the caches and
   * the outbox source.
   *
   * @throws Exception if the servers cannot be set up
   */
  public void setUp() throws Exception {
    String db = postgres.createDatabase("checker");
    this.database = db;
    baseline = LeakProbe.snapshot(redis, postgres, db);
    PostgresServer primary = postgres.primary();
    try (Connection c =
            DriverManager.getConnection(
                primary.jdbcUrl(db), primary.username(), primary.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE item (id int PRIMARY KEY, version bigint NOT NULL)");
      s.execute(
          "INSERT INTO item SELECT g, 1 FROM generate_series(0, " + (config.keys() - 1) + ") g");
    }
    PgOutbox box = PgOutbox.defaults();
    box.install(primary.dataSource(db));
    this.outbox = box;
    postgres.awaitStandbyCaughtUp(Duration.ofSeconds(30));

    HikariDataSource primaryPool =
        Pools.builder(PoolPreset.OLTP, primary.jdbcUrl(db))
            .credentials(primary.username(), primary.password())
            .poolName("larder-checker-primary")
            .maximumPoolSize(config.writers() + config.readers() + 2)
            .minimumIdle(2)
            .connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(Duration.ofSeconds(5))
            .build();
    closeables.push(primaryPool);
    PostgresServer standby = postgres.standby();
    HikariDataSource replicaPool =
        Pools.builder(PoolPreset.REPLICA, standby.jdbcUrl(db))
            .credentials(standby.username(), standby.password())
            .poolName("larder-checker-standby")
            .maximumPoolSize(Math.max(2, config.routedReaders() + 1))
            .minimumIdle(1)
            .socketTimeout(Duration.ofSeconds(5))
            .build();
    closeables.push(replicaPool);
    ReplicaRouter router =
        ReplicaRouter.builder().primary(primaryPool).replica("standby", replicaPool).build();
    closeables.push(router);
    this.jdbi = RoutingJdbi.create(router);

    KeyNamespace namespace = KeyNamespace.of(cacheName, 1);
    for (int i = 0; i < config.instances(); i++) {
      RedissonClient client = Redisson.create(redis.redissonConfig());
      closeables.push(client::shutdown);
      caches.add(newCache(namespace, client));
      switches.add(new Switch(config.loadTimeout().multipliedBy(5)));
    }
    for (LarderCache<Long> cache : caches) {
      closeables.push(cache);
    }
    InvalidationSource source =
        PgOutboxSource.builder()
            .dataSource(primary.dataSource(db))
            .consumerName("checker")
            .pollInterval(config.outboxPollInterval())
            .reconnectBackoff(Duration.ofMillis(100), config.outboxReconnectMax())
            .build();
    closeables.push(source);
    closeables.push(
        SourcedInvalidation.bind(caches.get(outboxInstance), source, Duration.ofSeconds(30)));
    LOG.info(
        "checker: cache '{}' with {} instances on {} keys; outbox bound to instance {}",
        cacheName,
        caches.size(),
        config.keys(),
        outboxInstance);
  }

  private LarderCache<Long> newCache(KeyNamespace namespace, RedissonClient client) {
    return LarderCache.newBuilder(LONG_CODEC)
        .namespace(namespace)
        .redisson(client)
        .ttl(config.ttl())
        .maxStale(config.maxStale())
        .l1Ttl(config.l1Ttl())
        .loadTimeout(config.loadTimeout())
        .redisTimeout(config.redisTimeout())
        .invalidationBus(true)
        .busHeartbeat(config.busHeartbeat())
        .build();
  }

  // ---------------------------------------------------------------------------------------------
  // Workers

  /**
   * Starts every worker thread.
   *
   * @return the threads, to join after {@link #stopWorkers()}
   */
  public List<Thread> startWorkers() {
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < config.writers(); w++) {
      SplittableRandom rnd = new SplittableRandom(config.seed() * 31 + 1000 + w);
      threads.add(worker("checker-writer-" + w, () -> writeOnce(rnd)));
    }
    for (int r = 0; r < config.readers(); r++) {
      SplittableRandom rnd = new SplittableRandom(config.seed() * 31 + 2000 + r);
      threads.add(worker("checker-reader-" + r, () -> readOnce(rnd)));
    }
    for (int r = 0; r < config.routedReaders(); r++) {
      SplittableRandom rnd = new SplittableRandom(config.seed() * 31 + 3000 + r);
      threads.add(worker("checker-routed-" + r, () -> routedReadOnce(rnd)));
    }
    threads.forEach(Thread::start);
    return threads;
  }

  /** Asks the workers to stop after their current operation. */
  public void stopWorkers() {
    stop.set(true);
  }

  private Thread worker(String name, Runnable step) {
    Thread t =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  step.run();
                } catch (RuntimeException e) {
                  LOG.warn("checker: worker {} step failed outside an operation", name, e);
                }
              }
            },
            name);
    t.setDaemon(true);
    return t;
  }

  private static void pause(SplittableRandom rnd, int minMillis, int maxMillis) {
    LockSupport.parkNanos(
        TimeUnit.MILLISECONDS.toNanos(minMillis + rnd.nextInt(maxMillis - minMillis + 1)));
  }

  private RoutingJdbi db() {
    RoutingJdbi j = jdbi;
    if (j == null) {
      throw new IllegalStateException("setUp() was not called");
    }
    return j;
  }

  private static long bump(Handle h, int id) {
    return h.createQuery("UPDATE item SET version = version + 1 WHERE id = :id RETURNING version")
        .bind("id", id)
        .mapTo(Long.class)
        .one();
  }

  private void writeOnce(SplittableRandom rnd) {
    // Skewed: a few hot keys take most writes, so cold keys go seconds without one and an
    // invalidation lost on them stays visible instead of being repaired by the next write.
    int hot = Math.max(1, config.keys() / 4);
    int id = rnd.nextInt(100) < 60 ? rnd.nextInt(hot) : rnd.nextInt(config.keys());
    String key = Integer.toString(id);
    int instance = rnd.nextInt(caches.size());
    int path = rnd.nextInt(3);
    LarderCache<Long> cache = caches.get(instance);
    long start = history.now();
    long[] version = {-1};
    ConsistencyToken[] token = {null};
    String detail =
        switch (path) {
          case 0 -> "writeThrough";
          case 1 -> "outbox";
          default -> "update+invalidate";
        };
    Outcome outcome;
    Throwable error = null;
    try {
      if (path == 0) {
        cache.writeThrough(
            key,
            () -> {
              Written<Long> w = db().write(h -> bump(h, id));
              long v = writtenVersion(w);
              version[0] = v;
              token[0] = w.token();
              return v;
            });
      } else if (path == 1) {
        PgOutbox box = outbox;
        Written<Long> w =
            db().inTransaction(
                    h -> {
                      long v = bump(h, id);
                      java.util.Objects.requireNonNull(box, "outbox")
                          .record(h.getConnection(), cacheName, List.of(key));
                      return v;
                    });
        version[0] = writtenVersion(w);
        token[0] = w.token();
      } else {
        Written<Long> w = db().write(h -> bump(h, id));
        version[0] = writtenVersion(w);
        token[0] = w.token();
        cache.invalidate(key);
      }
      outcome = Outcome.OK;
    } catch (InvalidationPendingException e) {
      error = e;
      outcome = version[0] >= 0 ? Outcome.PENDING : Outcome.UNKNOWN;
    } catch (Exception e) {
      error = e;
      outcome = version[0] >= 0 ? Outcome.CACHE_FAILED : Outcome.UNKNOWN;
    }
    history.record(
        Op.Type.WRITE,
        path == 1 ? outboxInstance : instance,
        key,
        start,
        outcome,
        version[0],
        false,
        null,
        0,
        error,
        detail,
        -1);
    ConsistencyToken t = token[0];
    if (t != null && version[0] >= 0) {
      TokenWrite next = new TokenWrite(t, version[0]);
      lastWrite.accumulateAndGet(
          id, next, (a, b) -> a == null || a.version() < b.version() ? b : a);
    }
    pause(rnd, 100, 400);
  }

  private void readOnce(SplittableRandom rnd) {
    int instance = rnd.nextInt(caches.size());
    LarderCache<Long> cache = caches.get(instance);
    if (rnd.nextInt(10) == 0) {
      Set<String> keys = new TreeSet<>();
      int n = 2 + rnd.nextInt(3);
      while (keys.size() < Math.min(n, config.keys())) {
        keys.add(Integer.toString(rnd.nextInt(config.keys())));
      }
      long start = history.now();
      try {
        Map<String, CacheResult<Long>> results = cache.lookupAll(keys, ks -> load(instance, ks));
        for (String k : keys) {
          CacheResult<Long> r = results.get(k);
          recordRead(Op.Type.READ, instance, k, start, r, null, "lookupAll");
        }
      } catch (RuntimeException e) {
        for (String k : keys) {
          recordRead(Op.Type.READ, instance, k, start, null, e, "lookupAll");
        }
      }
    } else {
      String key = Integer.toString(rnd.nextInt(config.keys()));
      long start = history.now();
      try {
        CacheResult<Long> r =
            cache.lookup(key, k -> Optional.ofNullable(load(instance, Set.of(k)).get(k)));
        recordRead(Op.Type.READ, instance, key, start, r, null, "lookup");
      } catch (RuntimeException e) {
        recordRead(Op.Type.READ, instance, key, start, null, e, "lookup");
      }
    }
    pause(rnd, 2, 12);
  }

  private void recordRead(
      Op.Type type,
      int instance,
      String key,
      long start,
      @Nullable CacheResult<Long> r,
      @Nullable Throwable error,
      String detail) {
    if (r == null || error != null) {
      history.record(
          type,
          instance,
          key,
          start,
          Outcome.FAIL,
          -1,
          false,
          null,
          0,
          error != null ? error : new IllegalStateException("no result for key " + key),
          detail,
          -1);
      return;
    }
    Long v = r.valueOrNull();
    history.record(
        type,
        instance,
        key,
        start,
        Outcome.OK,
        v == null ? -1 : v,
        r.isStale(),
        r.source().name(),
        r.age().toMillis(),
        null,
        detail,
        -1);
  }

  private void routedReadOnce(SplittableRandom rnd) {
    int id = rnd.nextInt(config.keys());
    String key = Integer.toString(id);
    TokenWrite tw = lastWrite.get(id);
    boolean ryw = tw != null && rnd.nextBoolean();
    ReadIntent intent =
        ryw
            ? ReadIntent.readYourWrites(tw.token())
            : ReadIntent.boundedStaleness(config.boundedStaleness());
    long start = history.now();
    try {
      long v =
          db().read(
                  intent,
                  h ->
                      h.createQuery("SELECT version FROM item WHERE id = :id")
                          .bind("id", id)
                          .mapTo(Long.class)
                          .one());
      history.record(
          Op.Type.ROUTED_READ,
          -1,
          key,
          start,
          Outcome.OK,
          v,
          false,
          null,
          0,
          null,
          ryw ? "readYourWrites" : "boundedStaleness",
          ryw ? tw.version() : -1);
    } catch (RuntimeException e) {
      history.record(
          Op.Type.ROUTED_READ,
          -1,
          key,
          start,
          Outcome.FAIL,
          -1,
          false,
          null,
          0,
          e,
          ryw ? "readYourWrites" : "boundedStaleness",
          ryw ? tw.version() : -1);
    }
    pause(rnd, 5, 25);
  }

  /**
   * The loader of one instance: reads the primary, records each key's version, obeys its switch.
   */
  private Map<String, Long> load(int instance, Set<String> keys) throws Exception {
    Switch sw = switches.get(instance);
    Switch.Mode mode = sw.mode;
    long start = history.now();
    if (mode == Switch.Mode.FAIL) {
      LoaderFaultException e =
          new LoaderFaultException("injected loader failure on instance " + instance);
      recordFailedLoads(instance, keys, start, e, "fail");
      throw e;
    }
    CountDownLatch release = sw.release;
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      Integer[] ids = keys.stream().map(Integer::valueOf).toArray(Integer[]::new);
      db().read(
              ReadIntent.strong(),
              h -> {
                h.createQuery("SELECT id, version FROM item WHERE id = ANY(:ids)")
                    .bindArray("ids", Integer.class, (Object[]) ids)
                    .map(
                        (rs, ctx) -> {
                          out.put(Integer.toString(rs.getInt(1)), rs.getLong(2));
                          return null;
                        })
                    .list();
                return null;
              });
    } catch (RuntimeException e) {
      recordFailedLoads(instance, keys, start, e, mode.name());
      throw e;
    }
    if (mode == Switch.Mode.HANG) {
      // Read first, then hang: what a loader stuck after its query looks like, and the value it
      // returns late is old by then (the version fences must refuse it).
      release.await(sw.hangMax.toMillis(), TimeUnit.MILLISECONDS);
    }
    for (String k : keys) {
      history.record(
          Op.Type.LOAD,
          instance,
          k,
          start,
          Outcome.OK,
          out.getOrDefault(k, -1L),
          false,
          null,
          0,
          null,
          mode.name(),
          -1);
    }
    return out;
  }

  /** Thrown by a loader told to fail. */
  static final class LoaderFaultException extends Exception {
    private static final long serialVersionUID = 1L;

    LoaderFaultException(String message) {
      super(message);
    }
  }

  /** One instance's loader switch. */
  static final class Switch implements LoaderSwitch {
    enum Mode {
      NORMAL,
      HANG,
      FAIL
    }

    final Duration hangMax;
    volatile Mode mode = Mode.NORMAL;
    volatile CountDownLatch release = new CountDownLatch(1);

    Switch(Duration hangMax) {
      this.hangMax = hangMax;
    }

    @Override
    public void hang() {
      mode = Mode.HANG;
    }

    @Override
    public void fail() {
      mode = Mode.FAIL;
    }

    @Override
    public void heal() {
      CountDownLatch old = release;
      release = new CountDownLatch(1);
      mode = Mode.NORMAL;
      old.countDown();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // End phase

  /** Heals every loader switch (the nemesis did already; this is the belt to its braces). */
  public void healLoaders() {
    switches.forEach(Switch::heal);
  }

  /** One failed LOAD op per key of a load that failed (injected or real). */
  private void recordFailedLoads(
      int instance, Set<String> keys, long start, Throwable e, String detail) {
    for (String k : keys) {
      history.record(
          Op.Type.LOAD, instance, k, start, Outcome.FAIL, -1, false, null, 0, e, detail, -1);
    }
  }

  /** bump() returns the row's new version: a write's value is never null here. */
  private static long writtenVersion(Written<Long> w) {
    return java.util.Objects.requireNonNull(w.value(), "the written version");
  }

  /**
   * The database's current version of every key, read from the primary (retried for a while: the
   * primary may just have been restarted).
   *
   * @return versions by key
   * @throws SQLException if the primary does not answer within 30 s
   */
  public Map<String, Long> databaseVersions() throws SQLException {
    PostgresServer primary = postgres.primary();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Connection c =
              DriverManager.getConnection(
                  primary.jdbcUrl(java.util.Objects.requireNonNull(database, "database")),
                  primary.username(),
                  primary.password());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT id, version FROM item ORDER BY id")) {
        Map<String, Long> out = new LinkedHashMap<>();
        while (rs.next()) {
          out.put(Integer.toString(rs.getInt(1)), rs.getLong(2));
        }
        return out;
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
  }

  /** What the end phase saw. */
  public record EndPhase(long origin, long convergedAt, int passes, int probeOldL2Keys) {}

  /**
   * Reads every key on every instance, pass after pass, until one full pass returns the database's
   * version everywhere, and at least until {@code sweepAfter} has passed (the lost-invalidation
   * sweep: the last pass then also reads each key through a fresh instance, whose empty L1 shows
   * what Redis holds). Gives up at {@code giveUpAfter}.
   *
   * @param expected what each key may read as (the database's version, see {@link Expected})
   * @param sweepAfter nanoseconds after the start of this phase at which the sweep pass runs
   * @param giveUpAfter nanoseconds after the start at which the phase ends even if not converged
   * @return what it saw; every read is in the history as {@link Type#FINAL_READ}
   */
  public EndPhase converge(Map<String, Expected> expected, long sweepAfter, long giveUpAfter) {
    long origin = history.now();
    long convergedAt = -1;
    int passes = 0;
    int oldInL2 = 0;
    boolean swept = false;
    while (true) {
      long now = history.now();
      boolean sweep = !swept && now - origin >= sweepAfter;
      boolean all = true;
      for (int i = 0; i < caches.size(); i++) {
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
          all &=
              finalRead(i, caches.get(i), e.getKey(), e.getValue(), sweep ? "sweep" : "converge");
        }
      }
      passes++;
      if (sweep) {
        swept = true;
        oldInL2 = probeL2(expected);
      }
      if (all && convergedAt < 0) {
        convergedAt = history.now() - origin;
      }
      if ((convergedAt >= 0 && swept) || history.now() - origin > giveUpAfter) {
        return new EndPhase(origin, convergedAt, passes, oldInL2);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private boolean finalRead(
      int instance, LarderCache<Long> cache, String key, Expected expected, String detail) {
    long start = history.now();
    try {
      CacheResult<Long> r =
          cache.lookup(key, k -> Optional.ofNullable(load(instance, Set.of(k)).get(k)));
      recordRead(Op.Type.FINAL_READ, instance, key, start, r, null, detail);
      Long v = r.valueOrNull();
      return !r.isStale() && v != null && expected.accepts(v);
    } catch (RuntimeException e) {
      recordRead(Op.Type.FINAL_READ, instance, key, start, null, e, detail);
      return false;
    }
  }

  /**
   * A new instance (empty L1) reads every key: a fresh L2 value older than the database is a lost
   * invalidation.
   */
  private int probeL2(Map<String, Expected> expected) {
    RedissonClient client = Redisson.create(redis.redissonConfig());
    int old = 0;
    try (LarderCache<Long> probe = newCache(KeyNamespace.of(cacheName, 1), client)) {
      int index = caches.size(); // the probe's instance number in the history
      for (Map.Entry<String, Expected> e : expected.entrySet()) {
        long start = history.now();
        try {
          CacheResult<Long> r =
              probe.lookup(e.getKey(), k -> Optional.ofNullable(load(0, Set.of(k)).get(k)));
          recordRead(Op.Type.FINAL_READ, index, e.getKey(), start, r, null, "sweep-l2");
          Long v = r.valueOrNull();
          if (r.source() == CacheResult.Source.L2
              && !r.isStale()
              && v != null
              && v < e.getValue().floor()) {
            old++;
          }
        } catch (RuntimeException ex) {
          recordRead(Op.Type.FINAL_READ, index, e.getKey(), start, null, ex, "sweep-l2");
        }
      }
    } finally {
      client.shutdown();
    }
    return old;
  }

  /** Closes everything the workload opened, newest first; failures are kept as anomalies. */
  @Override
  public void close() {
    while (!closeables.isEmpty()) {
      AutoCloseable c = closeables.pop();
      try {
        c.close();
      } catch (Exception e) {
        anomalies.add("close failed: " + History.describe(e));
        LOG.warn("checker: close failed", e);
      }
    }
  }

  /**
   * The leak baseline taken before anything was opened.
   *
   * @return the baseline
   * @throws IllegalStateException before {@link #setUp()}
   */
  public LeakProbe.Snapshot baseline() {
    LeakProbe.Snapshot b = baseline;
    if (b == null) {
      throw new IllegalStateException("setUp() was not called");
    }
    return b;
  }

  /**
   * What the leak probe sees now.
   *
   * @return a snapshot
   */
  public LeakProbe.Snapshot leakSnapshot() {
    return LeakProbe.snapshot(redis, postgres, database == null ? "" : database);
  }

  /**
   * The cache's name (the namespace every instance shares).
   *
   * @return the name
   */
  public String cacheName() {
    return cacheName;
  }
}
