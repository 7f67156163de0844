package dev.larder.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.cache.BatchLoader;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheCodecException;
import dev.larder.cache.CacheLoader;
import dev.larder.cache.CacheResult;
import dev.larder.cache.CacheResult.Source;
import dev.larder.cache.InvalidationPendingException;
import dev.larder.cache.LarderCache;
import dev.larder.cache.StaleValueUnavailableException;
import dev.larder.cache.WarmupProgress;
import dev.larder.cache.internal.RedisTier.Acquired;
import dev.larder.cache.internal.RedisTier.Keys;
import dev.larder.cache.internal.RedisTier.UnavailableException;
import dev.larder.core.KeyNamespace;
import dev.larder.core.LarderException;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-tier cache. Every read path (single key, batch, warm-up) goes through {@link
 * #lookupMany}, so single-flight, leases, fallback and fencing have one implementation; the one
 * shortcut is a single-key {@code get}/{@code lookup} that L1 can serve as fresh (same freshness
 * test, same hit meter, same early-refresh draw, without the batch path's maps and key checks).
 *
 * <p>Thread model: the caller that starts a load leads it on its own thread; the loader itself runs
 * on the cache's executor so the leader can stop waiting after {@code loadTimeout} (the load then
 * finishes in the background and still fills the cache, fenced by the version). Callers in this JVM
 * wait on the leader's future; no I/O ever runs inside a map or Caffeine mapping function.
 *
 * <p>Budget: every read has one deadline, {@code loadTimeout} after it started. Joining another
 * caller's load, waiting for another instance's lease and waiting for the loader all stop at it;
 * past it the caller gets the stale fallback or {@link StaleValueUnavailableException}. Only a
 * Redis call already under way when the deadline passes can add to it (at most one {@code
 * redisTimeout}). A full loader executor refuses a load at once (counted, typed); the caller's own
 * thread never runs a loader.
 *
 * <p>Leases: an instance that took a key's lease renews it every third of {@code lockLease} while
 * its load runs ({@link LeaseRenewal}), and gives it back when the load fails or its caller's
 * deadline passes, so waiters on other instances take over at their next look; one that loses Redis
 * stops renewing, and its lease lapses within {@code lockLease}.
 *
 * <p>Background refreshes are bounded the same way: after {@code loadTimeout} a refresh no longer
 * counts as running (its lease is given back, the loader breaker hears of a failure), and a reader
 * that finds a refresh of its key running waits for it no longer than twice the key's last load
 * time plus one {@code redisTimeout} before it loads for itself.
 *
 * <p>Writes whose Redis half fails leave a debt ({@link FenceDebt}) paid on the cache's tick and
 * before this instance reads Redis again; the caller gets {@link InvalidationPendingException}.
 *
 * @param <V> the value type
 */
public final class DefaultLarderCache<V> implements LarderCache<V>, InvalidationBus.Target {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultLarderCache.class);
  private static final byte[] EMPTY = new byte[0];

  private final Settings settings;
  private final String name;
  private final KeyNamespace namespace;
  private final CacheCodec<V> codec;
  private final TimeSource time;
  private final CacheMetrics metrics;
  private final RedisTier redis;
  private final CircuitBreaker loaderBreaker;
  private final Cache<String, Entry<V>> l1;
  private final ConcurrentHashMap<String, Flight<V>> inFlight = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, BatchLoader<V>> hotKeys = new ConcurrentHashMap<>();
  private final AtomicLong localEpoch = new AtomicLong();
  private final AtomicBoolean codecErrorLogged = new AtomicBoolean();
  private final AtomicBoolean rejectionLogged = new AtomicBoolean();
  private final AtomicBoolean debtLogged = new AtomicBoolean();
  private final ExecutorService executor;
  private final boolean ownExecutor;
  private final ScheduledThreadPoolExecutor scheduler;
  // Lease renewals only: they never block (see LeaseRenewal), so nothing the tick does can delay
  // them.
  private final ScheduledThreadPoolExecutor leaseScheduler;
  private final long leaseMillis;
  private final long l1TtlNanos;
  private final long maxStaleMillis;
  private final long loadTimeoutNanos;
  private final long redisTimeoutNanos;
  private final long lockWaitNanos;
  private final L1Fence fence;
  private final FenceDebt debt = new FenceDebt(MAX_OWED_KEYS);
  private final ReentrantLock payLock = new ReentrantLock();
  // Stands for this cache in the shared breaker's log registry (the cache itself must stay
  // collectable).
  private final Object breakerUser = new Object();
  private volatile boolean closed;
  private final @Nullable InvalidationBus bus;

  /** Keys owed before the debt becomes a clear of the whole namespace. */
  static final int MAX_OWED_KEYS = 10_000;

  /** Redis calls of one lookup that may fail in a row before the lookup treats Redis as down. */
  static final int MAX_FAILED_LEASE_CALLS = 2;

  /** Threads of the cache's own loader executor. */
  static final int MAX_LOADER_THREADS = 64;

  /**
   * One cached value (or absence) with the metadata of its envelope; weight is its encoded size.
   */
  record Entry<V>(
      @Nullable V value,
      long version,
      long writtenAtMillis,
      long softExpiryMillis,
      int loadMillis,
      long storedNanos,
      int weight) {}

  /** A value that may serve as a stale fallback, and where it was found. */
  record Stale<V>(Entry<V> entry, Source source) {}

  /** One in-flight load (or background refresh) of one key in this JVM. */
  static final class Flight<V> {
    final CompletableFuture<@Nullable CacheResult<V>> future = new CompletableFuture<>();
    final long epoch;

    /**
     * Until when (System.nanoTime) a reader may wait on it; for loads, no limit beyond its own
     * budget.
     */
    final long joinUntilNanos;

    final boolean refresh;
    volatile boolean invalidated;

    /** A refresh's lease token, once it took one. */
    volatile @Nullable String token;

    /** Keeps a refresh's lease alive while it runs. */
    volatile LeaseRenewal renewal = LeaseRenewal.NONE;

    /** A refresh holds a loader-breaker permission whose outcome is not yet recorded. */
    final AtomicBoolean permit = new AtomicBoolean();

    volatile @Nullable ScheduledFuture<?> timeout;

    Flight(long epoch) {
      this(epoch, Long.MAX_VALUE, false);
    }

    private Flight(long epoch, long joinUntilNanos, boolean refresh) {
      this.epoch = epoch;
      this.joinUntilNanos = joinUntilNanos;
      this.refresh = refresh;
    }

    static <V> Flight<V> refresh(long epoch, long joinUntilNanos) {
      return new Flight<>(epoch, joinUntilNanos, true);
    }

    /** A refresh readers no longer wait for: it has run longer than its load time warrants. */
    boolean abandoned(long nowNanos) {
      return refresh && nowNanos - joinUntilNanos >= 0;
    }
  }

  /**
   * Creates the cache from validated settings.
   *
   * @param settings the settings
   */
  public DefaultLarderCache(Settings settings) {
    this(settings, BusSettings.DISABLED);
  }

  /**
   * Creates the cache from validated settings, with its invalidation channel.
   *
   * @param settings the settings
   * @param busSettings how it takes part in the invalidation channel
   */
  @SuppressWarnings({"FutureReturnValueIgnored", "unchecked"})
  public DefaultLarderCache(Settings settings, BusSettings busSettings) {
    this.settings = settings;
    this.namespace = settings.namespace();
    this.name = namespace.name();
    this.codec = (CacheCodec<V>) settings.codec();
    this.time = settings.time();
    this.metrics = settings.metrics();
    this.loaderBreaker = settings.loaderBreaker();
    long longestValue =
        Math.max(settings.ttl().toMillis(), settings.negativeTtl().toMillis())
            + settings.maxStale().toMillis()
            + settings.lockLease().toMillis();
    this.redis =
        new RedisTier(
            settings.redisson(),
            settings.redisBreaker(),
            settings.redisTimeout(),
            metrics,
            namespace.prefix(),
            this::generationMoved,
            this::redisRestarted,
            longestValue);
    this.l1TtlNanos = settings.l1Ttl().toNanos();
    this.maxStaleMillis = settings.maxStale().toMillis();
    this.loadTimeoutNanos = settings.loadTimeout().toNanos();
    this.redisTimeoutNanos = settings.redisTimeout().toNanos();
    this.lockWaitNanos = settings.lockWait().toNanos();
    // L1 keeps entries past their L1 TTL for the max-stale window: they are not served as hits
    // then,
    // only as a fallback when Redis and the loader both fail.
    Caffeine<Object, Object> l1Builder =
        Caffeine.newBuilder()
            .expireAfterWrite(settings.l1Ttl().plus(settings.maxStale()))
            .ticker(time::nanoTime);
    this.l1 =
        settings.l1MaximumWeight() > 0
            ? l1Builder
                .maximumWeight(settings.l1MaximumWeight())
                .<String, Entry<V>>weigher((k, e) -> e.weight() + 2 * k.length() + 64)
                .build()
            : l1Builder.maximumSize(settings.l1MaximumSize()).build();
    if (settings.executor() != null) {
      this.executor = settings.executor();
      this.ownExecutor = false;
    } else {
      AtomicInteger n = new AtomicInteger();
      // No queue and no caller-runs: a load that finds every thread busy (hung loaders) is refused
      // at once, counted, and the caller gets its fallback; it never runs on the caller's thread.
      this.executor =
          new ThreadPoolExecutor(
              0,
              MAX_LOADER_THREADS,
              30,
              TimeUnit.SECONDS,
              new SynchronousQueue<>(),
              r -> {
                Thread t = new Thread(r, "larder-cache-" + name + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              },
              new ThreadPoolExecutor.AbortPolicy());
      this.ownExecutor = true;
    }
    this.scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "larder-cache-" + name + "-tick");
              t.setDaemon(true);
              return t;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    this.leaseMillis = settings.lockLease().toMillis();
    this.leaseScheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "larder-cache-" + name + "-lease");
              t.setDaemon(true);
              return t;
            });
    leaseScheduler.setRemoveOnCancelPolicy(true);
    // Tombstones must outlive any load that can still try to store: the budget bounds a leader's
    // wait
    // for its load and a follower's wait, a lease that lapses ends a lost holder's hold, the L1 TTL
    // bounds what a late store could keep alive.
    this.fence =
        new L1Fence(
            Math.max(1_000, settings.l1MaximumSize()),
            settings
                .loadTimeout()
                .plus(settings.lockLease())
                .plus(settings.l1Ttl())
                .plus(settings.loadTimeout())
                .plus(settings.redisTimeout()));
    if (busSettings.enabled()) {
      this.bus =
          new InvalidationBus(
              settings.redisson(),
              InvalidationBus.CHANNEL_PREFIX + namespace.prefix(),
              name,
              this,
              busSettings.heartbeatInterval(),
              busSettings.heartbeatTimeout(),
              settings.redisTimeout(),
              settings.redisBreaker(),
              metrics,
              time);
      bus.start();
    } else {
      this.bus = null;
    }
    BreakerLog.join(settings.redisBreaker(), breakerUser, name);
    long every = settings.hotKeyCheckInterval().toNanos();
    scheduler.scheduleWithFixedDelay(
        this::refreshHotKeysQuietly, every, every, TimeUnit.NANOSECONDS);
    long tick = busSettings.heartbeatInterval().toNanos();
    scheduler.scheduleWithFixedDelay(this::tickQuietly, tick, tick, TimeUnit.NANOSECONDS);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable V get(String key, CacheLoader<V> loader) {
    checkOpen();
    Entry<V> e = freshL1Hit(key, loader);
    return e != null ? e.value() : lookupSlow(key, loader).valueOrNull();
  }

  @Override
  public CacheResult<V> lookup(String key, CacheLoader<V> loader) {
    checkOpen();
    Entry<V> e = freshL1Hit(key, loader);
    return e != null
        ? CacheResult.fresh(e.value(), Source.L1, age(e, nowMillis()))
        : lookupSlow(key, loader);
  }

  /**
   * The single-key fast path: the L1 entry if L1 may serve it as fresh (then counted as a hit and
   * maybe refreshed early, as in {@link #lookupMany}), else null.
   */
  private @Nullable Entry<V> freshL1Hit(String key, CacheLoader<V> loader) {
    checkSingle(key, loader);
    Entry<V> e = l1.getIfPresent(key);
    if (e != null) {
      long now = nowMillis();
      if (servesFresh(e, now)) {
        metrics.hit(Source.L1, e.value() == null);
        if (earlyRefreshDue(e, now)) {
          startRefresh(key, single(loader), e);
        }
        return e;
      }
    }
    return null;
  }

  /** Everything but a fresh L1 hit: the key is checked in full first, then the batch path runs. */
  private CacheResult<V> lookupSlow(String key, CacheLoader<V> loader) {
    namespace.qualify(key);
    return unwrap(
        key,
        lookupMany(List.of(key), single(loader), System.nanoTime() + loadTimeoutNanos).get(key));
  }

  /**
   * The single-key fast path's checks. Only checked keys ever enter L1, so a key L1 holds needs no
   * check beyond null; any other key is checked in full by {@link #lookupSlow} before it reaches
   * Redis or the loader.
   */
  @SuppressWarnings("NullAway") // a null key goes on to qualify() for the usual message
  private void checkSingle(@Nullable String key, CacheLoader<V> loader) {
    if (key == null) {
      namespace.qualify(key); // throws the usual message
    }
    Require.notNull(loader, "loader");
  }

  /**
   * Whether an L1 entry may be served as fresh: within its soft TTL and younger than the L1 TTL.
   */
  private boolean servesFresh(Entry<V> e, long now) {
    return now < e.softExpiryMillis() && time.nanoTime() - e.storedNanos() < l1TtlNanos;
  }

  @Override
  public Map<String, V> getAll(Collection<String> keys, BatchLoader<V> loader) {
    Map<String, V> out = new LinkedHashMap<>();
    lookupAll(keys, loader)
        .forEach(
            (k, r) -> {
              if (r.isPresent()) {
                out.put(k, r.valueOrNull());
              }
            });
    return out;
  }

  @Override
  public Map<String, CacheResult<V>> lookupAll(Collection<String> keys, BatchLoader<V> loader) {
    checkOpen();
    List<String> distinct = validKeys(keys);
    Require.notNull(loader, "loader");
    Map<String, CacheResult<V>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e :
        lookupMany(distinct, loader, System.nanoTime() + loadTimeoutNanos).entrySet()) {
      out.put(e.getKey(), unwrap(e.getKey(), e.getValue()));
    }
    return out;
  }

  @Override
  public void put(String key, V value) {
    checkOpen();
    Keys keys = Keys.of(namespace.qualify(key));
    Require.notNull(value, "value");
    byte[] bytes = encodeOrThrow(key, value);
    // The L1 store below is refused if a clear-all happens meanwhile, like any load's.
    Flight<V> guard = new Flight<>(localEpoch.get());
    invalidateLocal(key);
    long now = nowMillis();
    long soft = jitteredTtlMillis();
    long version;
    try {
      // One script: the version bump and the new value land together, or neither does.
      version =
          redis
              .put(
                  keys,
                  new Envelope(false, 0, now, now + soft, 0, bytes).encode(),
                  soft + maxStaleMillis)
              .versions()
              .get(0);
    } catch (UnavailableException e) {
      owe(List.of(key));
      // This instance serves the new value; the others drop theirs if the message gets through.
      storeL1(
          key, new Entry<>(value, -1, now, now + soft, 0, time.nanoTime(), bytes.length), guard);
      publish(List.of(key), new long[] {0});
      throw new InvalidationPendingException(name, List.of(key), e.getCause());
    }
    // A read on this instance may have taken the older value from Redis just before the script and
    // store it in L1 any moment now: the tombstone at the new version refuses it (our own message
    // comes back as an echo, which we ignore, so nothing else would).
    fence.record(key, version);
    storeL1(
        key, new Entry<>(value, version, now, now + soft, 0, time.nanoTime(), bytes.length), guard);
    publish(List.of(key), new long[] {version});
  }

  @Override
  public <E extends Exception> V writeThrough(String key, Write<? extends V, E> write) throws E {
    checkOpen();
    namespace.qualify(key);
    Require.notNull(write, "write");
    V value = Require.notNull(write.write(), "value returned by write");
    try {
      put(key, value);
    } catch (CacheCodecException | IllegalArgumentException e) {
      // The write happened; do not fail it. Make sure no older copy is served instead.
      invalidate(key);
    }
    return value;
  }

  @Override
  public void invalidate(String key) {
    invalidateAll(List.of(key));
  }

  @Override
  public void invalidateAll(Collection<String> keys) {
    checkOpen();
    List<String> distinct = validKeys(keys);
    if (distinct.isEmpty()) {
      return;
    }
    distinct.forEach(this::invalidateLocal);
    long[] versions = new long[distinct.size()];
    try {
      List<Long> bumped = redis.bumpAll(keysOf(distinct), true).versions();
      for (int i = 0; i < versions.length; i++) {
        versions[i] = bumped.get(i);
      }
    } catch (UnavailableException e) {
      owe(distinct);
      // Version 0 only drops: the others' L1 copies go if the message gets through.
      publish(distinct, versions);
      throw new InvalidationPendingException(name, distinct, e.getCause());
    }
    // A load that wrote L2 just before the bump may have filled L1 since the first drop: drop
    // again,
    // now behind a tombstone at the new version.
    dropLocal(distinct, versions);
    publish(distinct, versions);
  }

  @Override
  public void invalidateAll() {
    checkOpen();
    invalidateLocalAll();
    try {
      redis.clearAll();
    } catch (UnavailableException e) {
      debt.oweAll();
      metrics.fence("owed");
      logDebt();
      if (bus != null) {
        bus.await(bus.publishAll());
      }
      throw new InvalidationPendingException(name, List.of(), e.getCause());
    }
    // A read that got an old-generation value just before the new generation may have filled L1
    // since the first clear: clear again, now that every later Redis call sees the new generation.
    invalidateLocalAll();
    if (bus != null) {
      bus.await(bus.publishAll());
    }
  }

  /** Records fences to pay once Redis answers. */
  private void owe(List<String> keys) {
    debt.owe(keys);
    metrics.fence("owed");
    logDebt();
  }

  private void logDebt() {
    if (debtLogged.compareAndSet(false, true)) {
      LOG.warn(
          "cache '{}': Redis did not confirm an invalidation; this instance owes it the fence and retries "
              + "until Redis answers (other instances may read the old value from Redis meanwhile)",
          name);
    }
  }

  /**
   * Pays what this instance owes Redis, if anything: a new generation for an owed clear (or too
   * many keys), version bumps that delete the value for owed keys, each published like the original
   * write. One payer at a time; others wait for it up to one Redis timeout.
   *
   * @return whether nothing is owed any more
   */
  private boolean payDebt() {
    if (debt.isEmpty()) {
      return true;
    }
    try {
      if (!payLock.tryLock(redisTimeoutNanos, TimeUnit.NANOSECONDS)) {
        return debt.isEmpty();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      FenceDebt.Snapshot owed = debt.snapshot();
      if (owed.isEmpty()) {
        return true;
      }
      int paid = 0;
      if (owed.all() != 0) {
        invalidateLocalAll();
        redis.clearAll();
        invalidateLocalAll();
        if (bus != null) {
          bus.await(bus.publishAll());
        }
        paid++;
      }
      List<String> keys = new ArrayList<>();
      owed.keys()
          .forEach(
              (k, n) -> {
                if (n > owed.all()) {
                  keys.add(k);
                }
              });
      if (!keys.isEmpty()) {
        List<Long> bumped = redis.bumpAll(keysOf(keys), true).versions();
        long[] versions = new long[keys.size()];
        for (int i = 0; i < versions.length; i++) {
          versions[i] = bumped.get(i);
        }
        dropLocal(keys, versions);
        publish(keys, versions);
        paid += keys.size();
      }
      debt.paid(owed);
      for (int i = 0; i < paid; i++) {
        metrics.fence("settled");
      }
      LOG.info(
          "cache '{}': Redis answers again; paid {} owed fence(s){}",
          name,
          paid,
          owed.all() != 0 ? " (the namespace moved to a new generation)" : "");
      boolean clear = debt.isEmpty();
      if (clear) {
        debtLogged.set(false);
      }
      return clear;
    } catch (UnavailableException e) {
      return false;
    } finally {
      payLock.unlock();
    }
  }

  /**
   * The id this instance publishes under on the invalidation channel (for tests and diagnosis).
   *
   * @return the id, or null when the bus is off
   */
  public @Nullable UUID busInstanceId() {
    return bus == null ? null : bus.instanceId();
  }

  /** Whether this instance owes Redis fences (for tests and health checks). */
  public boolean owesFences() {
    return !debt.isEmpty();
  }

  private void publish(List<String> keys, long[] versions) {
    if (bus != null) {
      bus.await(bus.publishKeys(keys, versions));
    }
  }

  @Override
  public void dropLocal(List<String> keys, long[] versions) {
    for (int i = 0; i < keys.size(); i++) {
      fence.record(keys.get(i), versions[i]);
      invalidateLocal(keys.get(i));
    }
  }

  @Override
  public void clearLocal(String reason) {
    // Messages may have been missed, maybe because Redis restarted: check it at the next call.
    redis.unverify();
    invalidateLocalAll();
  }

  /** A Redis call found that another instance cleared the namespace (its message may be lost). */
  private void generationMoved() {
    metrics.busClear("generation");
    LOG.info(
        "cache '{}': the namespace was cleared in Redis (generation {}); L1 cleared",
        name,
        redis.generation());
    invalidateLocalAll();
  }

  /**
   * This instance found Redis restarted (or failed over) and fenced the namespace (RedisTier logs
   * it).
   */
  private void redisRestarted() {
    metrics.busClear("restart");
    invalidateLocalAll();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("cache '" + name + "' is closed");
    }
  }

  /**
   * Whether this instance's invalidation channel is subscribed and answering (for tests and health
   * checks); false when the bus is off.
   *
   * @return true while other instances' invalidations reach this L1
   */
  public boolean busHealthy() {
    return bus != null && bus.healthy();
  }

  /**
   * Drops one key from this JVM only, and stops loads in flight here from filling L1 with it: the
   * seam for an invalidation bus.
   *
   * @param key the caller's key
   */
  public void invalidateLocal(String key) {
    Flight<V> running = inFlight.remove(key);
    if (running != null) {
      running.invalidated = true;
    }
    l1.invalidate(key);
  }

  /** Drops every key from this JVM's L1 and fences off loads in flight here (for a bus gap). */
  public void invalidateLocalAll() {
    fence.clearLock().lock();
    try {
      localEpoch.incrementAndGet();
      for (Flight<V> f : inFlight.values()) {
        f.invalidated = true;
      }
      inFlight.clear();
      fence.clear();
      l1.invalidateAll();
    } finally {
      fence.clearLock().unlock();
    }
  }

  @Override
  public void markHot(String key, CacheLoader<V> loader) {
    checkOpen();
    namespace.qualify(key);
    Require.notNull(loader, "loader");
    hotKeys.put(key, single(loader));
  }

  @Override
  public void unmarkHot(String key) {
    hotKeys.remove(Require.notNull(key, "key"));
  }

  @Override
  public WarmupProgress warm(
      Collection<String> keys,
      BatchLoader<V> loader,
      int batchSize,
      int parallelism,
      Consumer<WarmupProgress> progress) {
    checkOpen();
    Require.positive(batchSize, "batchSize");
    Require.positive(parallelism, "parallelism");
    Require.notNull(loader, "loader");
    Require.notNull(progress, "progress");
    List<String> distinct = validKeys(keys);
    int total = distinct.size();
    int[] counts = new int[4]; // done, present, absent, failed
    ReentrantLock lock = new ReentrantLock();
    Semaphore slots = new Semaphore(parallelism);
    List<CompletableFuture<Void>> batches = new ArrayList<>();
    for (int from = 0; from < total; from += batchSize) {
      List<String> batch = distinct.subList(from, Math.min(total, from + batchSize));
      slots.acquireUninterruptibly();
      Runnable task =
          () -> {
            try {
              Map<String, Object> results =
                  lookupMany(batch, loader, System.nanoTime() + loadTimeoutNanos);
              lock.lock();
              try {
                for (Object r : results.values()) {
                  counts[0]++;
                  if (!(r instanceof CacheResult<?> cr)) {
                    counts[3]++;
                  } else if (cr.isPresent()) {
                    counts[1]++;
                  } else {
                    counts[2]++;
                  }
                }
                progress.accept(
                    new WarmupProgress(total, counts[0], counts[1], counts[2], counts[3]));
              } finally {
                lock.unlock();
              }
            } finally {
              slots.release();
            }
          };
      try {
        batches.add(CompletableFuture.runAsync(task, executor));
      } catch (RejectedExecutionException busy) {
        task.run(); // every loader thread is busy: warm this batch on the caller's thread
      }
    }
    CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).join();
    lock.lock();
    try {
      return new WarmupProgress(total, counts[0], counts[1], counts[2], counts[3]);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public CircuitBreaker loaderCircuitBreaker() {
    return loaderBreaker;
  }

  @Override
  public CircuitBreaker redisCircuitBreaker() {
    return redis.breaker();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    // Leases this instance still holds lapse within lockLease; a load finishing meanwhile releases
    // its own.
    leaseScheduler.shutdownNow();
    if (!payDebt()) {
      metrics.fence("lost");
      LOG.warn(
          "cache '{}': closed while owing Redis {} fence(s) it never confirmed; they are lost with this "
              + "instance, and the old values live in Redis until their TTL",
          name,
          debt.size());
    }
    if (bus != null) {
      bus.close();
    }
    IllegalStateException gone = new IllegalStateException("cache '" + name + "' was closed");
    for (Flight<V> f : inFlight.values()) {
      f.future.completeExceptionally(gone);
    }
    inFlight.clear();
    BreakerLog.leave(redis.breaker(), breakerUser);
    if (ownExecutor) {
      executor.shutdown();
    }
  }

  /** The tick: checks that Redis is the server this instance verified, and pays owed fences. */
  private void tickQuietly() {
    try {
      if (closed) {
        return;
      }
      try {
        redis.check();
      } catch (UnavailableException e) {
        return; // counted by the tier; the next tick tries again
      }
      payDebt();
    } catch (RuntimeException e) {
      LOG.debug("cache '{}': tick failed", name, e);
    }
  }

  /** Refreshes every hot key whose L1 entry is missing or within the refresh-ahead window. */
  public void refreshHotKeys() {
    long now = nowMillis();
    long ahead = settings.refreshAhead().toMillis();
    hotKeys.forEach(
        (key, loader) -> {
          Entry<V> e = l1.getIfPresent(key);
          if (e == null || now >= e.softExpiryMillis() - ahead) {
            startRefresh(key, loader, e);
          }
        });
  }

  /**
   * Whether a load or refresh of a key is running in this JVM (for tests that must wait for one).
   *
   * @param key the key
   * @return true while one runs
   */
  public boolean isLoading(String key) {
    return inFlight.containsKey(key);
  }

  private void refreshHotKeysQuietly() {
    try {
      refreshHotKeys();
    } catch (RuntimeException e) {
      LOG.debug("cache '{}': hot-key refresh round failed", name, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Read path

  /**
   * Per key (in order), a CacheResult or the RuntimeException that a caller would get, all by
   * {@code deadline} (System.nanoTime), give or take one Redis call under way.
   */
  private Map<String, Object> lookupMany(List<String> keys, BatchLoader<V> loader, long deadline) {
    long now = nowMillis();
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Flight<V>> waitFor = new LinkedHashMap<>();
    Map<String, Flight<V>> owned = new LinkedHashMap<>();
    Map<String, Entry<V>> l1Seen = new HashMap<>();
    for (String key : keys) {
      Entry<V> e = l1.getIfPresent(key);
      if (e != null && servesFresh(e, now)) {
        out.put(key, hit(key, e, Source.L1, loader, now));
        continue;
      }
      if (e != null) {
        l1Seen.put(key, e);
      }
      out.put(key, "pending");
      Flight<V> mine = new Flight<>(localEpoch.get());
      Flight<V> running = join(key, mine);
      if (running == null) {
        owned.put(key, mine);
        waitFor.put(key, mine);
      } else {
        metrics.stampedeJoin(false);
        waitFor.put(key, running);
      }
    }
    if (!owned.isEmpty()) {
      lead(owned, l1Seen, loader, deadline);
    }
    for (Map.Entry<String, Flight<V>> w : waitFor.entrySet()) {
      String key = w.getKey();
      Object r = await(key, w.getValue(), l1Seen.get(key), deadline);
      if (r == null) {
        // A background refresh we joined produced nothing new, or is taking too long: look again
        // (leading a load ourselves if need be), within what is left of the budget.
        r = lookupMany(List.of(key), loader, deadline).get(key);
      }
      out.put(key, r);
    }
    return out;
  }

  /**
   * Registers {@code mine} as the key's flight, unless another one runs that a reader should join
   * (returned). A refresh that has outrun its join window is replaced: readers load for themselves.
   */
  private @Nullable Flight<V> join(String key, Flight<V> mine) {
    while (true) {
      Flight<V> running = inFlight.putIfAbsent(key, mine);
      if (running == null || !running.abandoned(System.nanoTime())) {
        return running;
      }
      if (inFlight.replace(key, running, mine)) {
        return null;
      }
    }
  }

  private @Nullable Object await(
      String key, Flight<V> flight, @Nullable Entry<V> l1Entry, long deadline) {
    long until =
        flight.refresh && flight.joinUntilNanos - deadline < 0 ? flight.joinUntilNanos : deadline;
    try {
      return flight.future.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (until != deadline) {
        return null; // the refresh's join window ended, the caller's budget did not
      }
      return fallback(
          key,
          l1Entry == null ? null : new Stale<>(l1Entry, Source.L1),
          new TimeoutException(
              "waited loadTimeout ("
                  + settings.loadTimeout()
                  + ") for a load of this key already running in this JVM"));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause instanceof RuntimeException re
          ? re
          : new LarderException("load of key failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LarderException("interrupted while waiting for a load in cache '" + name + "'", e);
    }
  }

  /** Serves the owned keys: batched L2 read, leases, batched load. Completes every owned flight. */
  private void lead(
      Map<String, Flight<V>> owned,
      Map<String, Entry<V>> l1Seen,
      BatchLoader<V> loader,
      long deadline) {
    Map<String, Stale<V>> stale = new HashMap<>();
    l1Seen.forEach((k, e) -> stale.put(k, new Stale<>(e, Source.L1)));
    try {
      List<String> pending = new ArrayList<>(owned.keySet());
      // What the batched read returned per key: the lease round trip returns the same bytes again
      // when nobody wrote meanwhile, and a corrupt entry must be reported once, not twice.
      Map<String, byte[]> readBytes = new HashMap<>();
      // While this instance owes fences it does not read Redis: the values there may be the ones
      // its own failed invalidations were meant to remove.
      boolean redisUp = payDebt();
      // On a busy host one Redis call can miss its timeout while Redis is fine: going around the
      // lease then would load a key another instance is loading. So a failed call is retried (the
      // lease path is idempotent per token); only an open breaker, or a second failure in a row,
      // means Redis is down for this lookup.
      int failedInARow = 0;
      Map<String, byte[]> raw = null;
      if (redisUp) {
        try {
          raw = redis.get(keysOf(pending));
        } catch (UnavailableException e) {
          failedInARow++;
          redisUp = !e.refused();
        }
      }
      long now = nowMillis();
      for (Iterator<String> it = pending.iterator(); it.hasNext(); ) {
        String key = it.next();
        byte[] bytes = raw == null ? null : raw.get(namespace.qualify(key));
        Entry<V> l2 = bytes == null ? null : decode(key, bytes, now);
        if (bytes != null) {
          readBytes.put(key, bytes);
        }
        if (l2 != null && now < l2.softExpiryMillis()) {
          storeL1(key, l2, owned.get(key));
          metrics.hit(Source.L2, l2.value() == null);
          finish(key, present(owned, key), CacheResult.fresh(l2.value(), Source.L2, age(l2, now)));
          // After finish: while this lookup's own flight was registered, a refresh could not start.
          maybeRefreshEarly(key, l2, loader, now);
          it.remove();
        } else {
          metrics.miss();
          mergeStale(stale, key, l2, Source.L2);
        }
      }
      Map<String, Long> versions = new HashMap<>();
      long generation = redis.generation();
      String token = UUID.randomUUID().toString();
      // Waiting for another instance's lease ends at lockWait, and never after the caller's budget.
      long leaseDeadline = System.nanoTime() + lockWaitNanos;
      if (leaseDeadline - deadline > 0) {
        leaseDeadline = deadline;
      }
      boolean polled = false;
      while (redisUp && !pending.isEmpty()) {
        List<Acquired> acquired;
        try {
          acquired = redis.acquire(keysOf(pending), token, settings.lockLease().toMillis());
          failedInARow = 0;
        } catch (UnavailableException e) {
          if (e.refused()
              || ++failedInARow >= MAX_FAILED_LEASE_CALLS
              || System.nanoTime() - leaseDeadline >= 0) {
            break;
          }
          continue;
        }
        now = nowMillis();
        if (!acquired.isEmpty() && acquired.get(0).generation() != generation) {
          generation = acquired.get(0).generation();
          versions.clear(); // versions of the old generation would fence nothing
        }
        List<String> toLoad = new ArrayList<>();
        List<String> stillWaiting = new ArrayList<>();
        List<Keys> release = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
          String key = pending.get(i);
          Acquired a = acquired.get(i);
          versions.put(key, a.version());
          byte[] data = a.data();
          // Unchanged bytes were judged not fresh (or corrupt) at the last look: skip decoding them
          // again.
          Entry<V> seen =
              data == null || Arrays.equals(data, readBytes.get(key))
                  ? null
                  : decode(key, data, now);
          if (data != null) {
            readBytes.put(key, data);
          }
          if (seen != null && now < seen.softExpiryMillis()) {
            if (a.acquired()) {
              release.add(Keys.of(namespace.qualify(key)));
            }
            if (polled) {
              metrics.stampedeJoin(true);
            }
            storeL1(key, seen, owned.get(key));
            finish(
                key,
                present(owned, key),
                CacheResult.fresh(seen.value(), Source.L2, age(seen, now)));
          } else {
            mergeStale(stale, key, seen, Source.L2);
            (a.acquired() ? toLoad : stillWaiting).add(key);
          }
        }
        redis.releaseQuietly(release, token);
        if (!toLoad.isEmpty()) {
          load(toLoad, true, loader, versions, generation, token, stale, owned, deadline);
        }
        pending = stillWaiting;
        if (pending.isEmpty()) {
          break;
        }
        long left = leaseDeadline - System.nanoTime();
        if (left <= 0) {
          pending.forEach(k -> metrics.lockWaitTimeout());
          break;
        }
        LockSupport.parkNanos(Math.min(left, settings.lockPollInterval().toNanos()));
        polled = true;
      }
      if (!pending.isEmpty()) {
        if (System.nanoTime() - deadline >= 0) {
          // The budget went on waiting for another instance's load: fall back, do not start one.
          TimeoutException waited =
              new TimeoutException(
                  "waited loadTimeout ("
                      + settings.loadTimeout()
                      + ") for another instance's load of this key");
          pending.forEach(k -> finish(k, present(owned, k), fallback(k, stale.get(k), waited)));
        } else {
          // Redis is down, or the other instance's load outlived lockWait: load without a lease.
          // Keys without a known version are written to L1 only.
          Map<String, Long> known = new HashMap<>();
          pending.forEach(k -> known.put(k, versions.getOrDefault(k, -1L)));
          load(pending, false, loader, known, generation, token, stale, owned, deadline);
        }
      }
    } catch (RuntimeException | Error t) {
      owned.forEach(
          (k, f) -> {
            inFlight.remove(k, f);
            f.future.completeExceptionally(t);
          });
      throw t;
    }
  }

  /**
   * Calls the loader for some keys (bounded by loadTimeout), stores what it returns, completes
   * flights. With {@code leased}, this instance holds the keys' leases: it renews them while the
   * load runs and gives them back when the load fails or the caller's budget ends, so other
   * instances take over then rather than wait out their {@code lockWait}.
   */
  private void load(
      List<String> keys,
      boolean leased,
      BatchLoader<V> loader,
      Map<String, Long> versions,
      long generation,
      String token,
      Map<String, Stale<V>> stale,
      Map<String, Flight<V>> flights,
      long deadline) {
    if (!loaderBreaker.tryAcquirePermission()) {
      CallNotPermittedException refused =
          CallNotPermittedException.createCallNotPermittedException(loaderBreaker);
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, present(flights, k), fallback(k, stale.get(k), refused)));
      return;
    }
    Set<String> keySet = Collections.unmodifiableSet(new LinkedHashSet<>(keys));
    long started = System.nanoTime();
    long startedTs = time.nanoTime();
    AtomicBoolean recorded = new AtomicBoolean();
    CompletableFuture<Map<String, V>> call;
    try {
      call = CompletableFuture.supplyAsync(() -> callLoader(loader, keySet), executor);
    } catch (RejectedExecutionException e) {
      // Every loader thread is busy (loaders that hang?): refuse now rather than queue or run the
      // loader on the caller's thread. Not the loader's failure: the breaker's permit goes back.
      loaderBreaker.releasePermission();
      metrics.load("rejected", 0);
      RejectedExecutionException refused =
          new RejectedExecutionException(
              "cache '" + name + "': every loader thread is busy (loads that hang?); load refused",
              e);
      if (rejectionLogged.compareAndSet(false, true)) {
        LOG.warn(
            "{}; counted in larder.cache.loads{{result=rejected}}, further ones logged at debug",
            refused.getMessage());
      } else {
        LOG.debug("{}", refused.getMessage());
      }
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, present(flights, k), fallback(k, stale.get(k), refused)));
      return;
    }
    rejectionLogged.set(false);
    LeaseRenewal renewal =
        leased
            ? LeaseRenewal.start(
                leaseScheduler, redis, keysOf(keys), token, generation, leaseMillis, deadline)
            : LeaseRenewal.NONE;
    try {
      awaitLoad(
          keys,
          call,
          started,
          startedTs,
          recorded,
          versions,
          generation,
          token,
          renewal,
          leased,
          stale,
          flights,
          deadline);
    } finally {
      renewal.stop();
    }
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // the scheduled ticks catch everything; whenComplete's callback
  // handles the outcome
  private void awaitLoad(
      List<String> keys,
      CompletableFuture<Map<String, V>> call,
      long started,
      long startedTs,
      AtomicBoolean recorded,
      Map<String, Long> versions,
      long generation,
      String token,
      LeaseRenewal renewal,
      boolean leased,
      Map<String, Stale<V>> stale,
      Map<String, Flight<V>> flights,
      long deadline) {
    call.whenComplete(
        (m, t) -> {
          if (recorded.compareAndSet(false, true)) {
            long d = System.nanoTime() - started;
            if (t == null) {
              loaderBreaker.onSuccess(d, TimeUnit.NANOSECONDS);
            } else {
              loaderBreaker.onError(d, TimeUnit.NANOSECONDS, causeOf(t));
            }
          }
        });
    Map<String, V> loaded;
    try {
      loaded = call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (recorded.compareAndSet(false, true)) {
        loaderBreaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
      }
      metrics.load("failure", System.nanoTime() - started);
      // Nobody here waits for this load any more: give the lease back now (without waiting, the
      // budget
      // is spent), so another instance with budget left loads rather than wait out its lockWait.
      // The
      // load goes on; if it succeeds it still fills the cache, fenced by the version.
      renewal.stop();
      if (leased) {
        redis.releaseAsync(keysOf(keys), token, generation);
      }
      call.whenComplete(
          (m, t) -> {
            if (t == null) {
              store(keys, m, millisSince(startedTs), versions, generation, token, flights);
            }
          });
      keys.forEach(k -> finish(k, present(flights, k), fallback(k, stale.get(k), e)));
      return;
    } catch (ExecutionException e) {
      Throwable cause = causeOf(e);
      metrics.load("failure", System.nanoTime() - started);
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, present(flights, k), fallback(k, stale.get(k), cause)));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, present(flights, k), fallback(k, stale.get(k), e)));
      return;
    }
    metrics.load("success", System.nanoTime() - started);
    Map<String, CacheResult<V>> results =
        store(keys, loaded, millisSince(startedTs), versions, generation, token, flights);
    keys.forEach(k -> finish(k, present(flights, k), present(results, k)));
  }

  /**
   * Writes loaded values to L2 (under their versions) and L1; values that cannot be encoded or are
   * too large go nowhere. Returns the callers' results.
   */
  private Map<String, CacheResult<V>> store(
      List<String> keys,
      Map<String, V> loaded,
      int loadMillis,
      Map<String, Long> versions,
      long generation,
      String token,
      Map<String, Flight<V>> flights) {
    long now = nowMillis();
    Map<String, CacheResult<V>> results = new HashMap<>();
    List<String> writeKeys = new ArrayList<>();
    List<Keys> writeRedisKeys = new ArrayList<>();
    List<byte[]> envelopes = new ArrayList<>();
    List<Long> ttls = new ArrayList<>();
    List<Long> writeVersions = new ArrayList<>();
    Map<String, Entry<V>> entries = new HashMap<>();
    List<Keys> release = new ArrayList<>();
    for (String key : keys) {
      V value = loaded.get(key);
      results.put(key, CacheResult.fresh(value, Source.LOADER, Duration.ZERO));
      Keys rk = Keys.of(namespace.qualify(key));
      byte[] bytes = value == null ? EMPTY : encodeQuietly(key, value);
      if ((value == null && settings.negativeTtl().isZero()) || bytes == null) {
        release.add(rk);
        continue;
      }
      long soft = value == null ? settings.negativeTtl().toMillis() : jitteredTtlMillis();
      long version = versions.getOrDefault(key, -1L);
      Entry<V> entry =
          new Entry<>(value, version, now, now + soft, loadMillis, time.nanoTime(), bytes.length);
      if (version < 0) {
        storeL1(key, entry, flights.get(key));
        continue;
      }
      writeKeys.add(key);
      writeRedisKeys.add(rk);
      envelopes.add(
          new Envelope(value == null, version, now, now + soft, loadMillis, bytes).encode());
      ttls.add(soft + maxStaleMillis);
      writeVersions.add(version);
      entries.put(key, entry);
    }
    redis.releaseQuietly(release, token);
    if (!writeKeys.isEmpty()) {
      List<Boolean> written;
      try {
        written = writeOnceMore(writeRedisKeys, envelopes, ttls, writeVersions, token, generation);
      } catch (UnavailableException e) {
        written = Collections.nCopies(writeKeys.size(), Boolean.TRUE); // degraded: L1 only
      }
      for (int i = 0; i < writeKeys.size(); i++) {
        if (written.get(i)) {
          String key = writeKeys.get(i);
          storeL1(key, present(entries, key), flights.get(key));
        } else {
          metrics.staleSetRejected("l2");
        }
      }
    }
    return results;
  }

  /**
   * Writes loaded values, trying once more if the first try failed without the breaker refusing it:
   * the write is idempotent (same version, same value, the lease released by token), and the
   * instances waiting on this load's lease get the value instead of waiting for the lease to
   * expire.
   */
  private List<Boolean> writeOnceMore(
      List<Keys> keys,
      List<byte[]> envelopes,
      List<Long> ttls,
      List<Long> versions,
      String token,
      long generation) {
    try {
      return redis.write(keys, envelopes, ttls, versions, token, generation);
    } catch (UnavailableException e) {
      if (e.refused()) {
        throw e;
      }
      return redis.write(keys, envelopes, ttls, versions, token, generation);
    }
  }

  private Object fallback(String key, @Nullable Stale<V> stale, Throwable cause) {
    long now = nowMillis();
    if (stale != null && now < stale.entry().softExpiryMillis() + maxStaleMillis) {
      metrics.staleServe(stale.source());
      return CacheResult.stale(
          stale.entry().value(), stale.source(), age(stale.entry(), now), cause);
    }
    return new StaleValueUnavailableException(name, key, cause);
  }

  private CacheResult<V> hit(
      String key, Entry<V> e, Source source, BatchLoader<V> loader, long now) {
    metrics.hit(source, e.value() == null);
    maybeRefreshEarly(key, e, loader, now);
    return CacheResult.fresh(e.value(), source, age(e, now));
  }

  private void maybeRefreshEarly(String key, Entry<V> e, BatchLoader<V> loader, long now) {
    if (earlyRefreshDue(e, now)) {
      startRefresh(key, loader, e);
    }
  }

  private boolean earlyRefreshDue(Entry<V> e, long now) {
    double beta = settings.earlyRefreshBeta();
    // XFetch: refresh when now - delta * beta * ln(rand) >= expiry, rand uniform in (0, 1].
    double delta = Math.max(1, e.loadMillis());
    return beta > 0
        && now - delta * beta * Math.log(settings.random().getAsDouble()) >= e.softExpiryMillis();
  }

  /**
   * Starts one background refresh of a key unless a load of it is already running here. Readers may
   * join it for twice the key's last load time plus one Redis timeout (never past loadTimeout); its
   * Redis lease is renewed no longer, so readers elsewhere are not held longer either.
   */
  private void startRefresh(String key, BatchLoader<V> loader, @Nullable Entry<V> base) {
    if (closed) {
      return;
    }
    long window =
        Math.min(
            loadTimeoutNanos,
            2 * TimeUnit.MILLISECONDS.toNanos(base == null ? 0 : base.loadMillis())
                + redisTimeoutNanos);
    Flight<V> flight = Flight.refresh(localEpoch.get(), System.nanoTime() + window);
    if (inFlight.putIfAbsent(key, flight) != null) {
      return;
    }
    metrics.earlyRefresh();
    try {
      executor.execute(
          () ->
              refresh(
                  key, loader, base, flight, Math.max(1, TimeUnit.NANOSECONDS.toMillis(window))));
    } catch (RejectedExecutionException e) {
      inFlight.remove(key, flight);
      metrics.load("rejected", 0);
      flight.future.complete(null);
      return;
    }
    try {
      flight.timeout =
          scheduler.schedule(
              () -> refreshTimedOut(key, flight),
              loadTimeoutNanos + redisTimeoutNanos,
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // The cache is closing; close() completes the flight.
    }
  }

  /** A refresh still running after loadTimeout: it no longer counts as running here or in Redis. */
  private void refreshTimedOut(String key, Flight<V> flight) {
    if (!flight.future.complete(null)) {
      return;
    }
    inFlight.remove(key, flight);
    metrics.load("failure", loadTimeoutNanos);
    if (flight.permit.compareAndSet(true, false)) {
      loaderBreaker.onError(
          loadTimeoutNanos,
          TimeUnit.NANOSECONDS,
          new TimeoutException(
              "a background refresh took longer than loadTimeout ("
                  + settings.loadTimeout()
                  + ")"));
    }
    flight.renewal.stop();
    String token = flight.token;
    if (token != null) {
      redis.releaseQuietly(List.of(Keys.of(namespace.qualify(key))), token);
    }
  }

  private void refresh(
      String key,
      BatchLoader<V> loader,
      @Nullable Entry<V> base,
      Flight<V> flight,
      long windowMillis) {
    CacheResult<V> result = null;
    try {
      Keys keys = Keys.of(namespace.qualify(key));
      String token = UUID.randomUUID().toString();
      long version = -1;
      long generation = 0;
      try {
        Acquired a =
            redis.acquire(List.of(keys), token, Math.min(windowMillis, leaseMillis)).get(0);
        long now = nowMillis();
        byte[] data = a.data();
        Entry<V> seen = data == null ? null : decode(key, data, now);
        long baseWritten = base == null ? Long.MIN_VALUE : base.writtenAtMillis();
        if (seen != null && seen.writtenAtMillis() > baseWritten && now < seen.softExpiryMillis()) {
          if (a.acquired()) {
            redis.releaseQuietly(List.of(keys), token);
          }
          storeL1(key, seen, flight);
          result = CacheResult.fresh(seen.value(), Source.L2, age(seen, now));
          return;
        }
        if (!a.acquired()) {
          return; // another instance is refreshing it
        }
        flight.token = token;
        // Renewed no longer than the join window: readers elsewhere are not held longer than
        // readers here.
        flight.renewal =
            LeaseRenewal.start(
                leaseScheduler,
                redis,
                List.of(keys),
                token,
                a.generation(),
                leaseMillis,
                flight.joinUntilNanos);
        version = a.version();
        generation = a.generation();
      } catch (UnavailableException e) {
        // Refresh L1 only.
      }
      if (flight.future.isDone() || !loaderBreaker.tryAcquirePermission()) {
        redis.releaseQuietly(List.of(keys), token);
        return;
      }
      flight.permit.set(true);
      long started = System.nanoTime();
      long startedTs = time.nanoTime();
      Map<String, V> loaded;
      try {
        loaded = callLoader(loader, Set.of(key));
        if (flight.permit.compareAndSet(true, false)) {
          loaderBreaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
      } catch (RuntimeException e) {
        if (flight.permit.compareAndSet(true, false)) {
          loaderBreaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, causeOf(e));
        }
        metrics.load("failure", System.nanoTime() - started);
        redis.releaseQuietly(List.of(keys), token);
        return;
      }
      metrics.load("success", System.nanoTime() - started);
      // Late (after refreshTimedOut) or not, the value is stored: fenced by its version like any
      // load.
      result =
          store(
                  List.of(key),
                  loaded,
                  millisSince(startedTs),
                  Map.of(key, version),
                  generation,
                  token,
                  Map.of(key, flight))
              .get(key);
    } catch (RuntimeException | Error t) {
      LOG.debug("cache '{}': background refresh failed", name, t);
    } finally {
      flight.renewal.stop();
      inFlight.remove(key, flight);
      flight.future.complete(result);
      ScheduledFuture<?> timeout = flight.timeout;
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private void finish(String key, Flight<V> flight, Object result) {
    inFlight.remove(key, flight);
    if (result instanceof RuntimeException e) {
      flight.future.completeExceptionally(e);
    } else {
      @SuppressWarnings("unchecked")
      CacheResult<V> r = (CacheResult<V>) result;
      flight.future.complete(r);
    }
  }

  private void storeL1(String key, Entry<V> entry, @Nullable Flight<V> flight) {
    boolean[] rejected = new boolean[1];
    fence.storeLock().lock();
    try {
      if (flight != null && (flight.invalidated || flight.epoch != localEpoch.get())) {
        return;
      }
      Entry<V> stored =
          new Entry<>(
              entry.value(),
              entry.version(),
              entry.writtenAtMillis(),
              entry.softExpiryMillis(),
              entry.loadMillis(),
              time.nanoTime(),
              entry.weight());
      // No I/O in here: a version comparison under the key's bin lock, so a racing drop either
      // comes after this store or has already left its tombstone.
      l1.asMap()
          .compute(
              key,
              (k, old) -> {
                if (fence.admits(k, stored.version())) {
                  return stored;
                }
                rejected[0] = true;
                return old;
              });
    } finally {
      fence.storeLock().unlock();
    }
    if (rejected[0]) {
      metrics.staleSetRejected("l1");
    }
  }

  private @Nullable Entry<V> decode(String key, byte[] bytes, long now) {
    Envelope env = Envelope.decode(bytes);
    if (env == null) {
      codecError(
          key,
          "decode",
          new IllegalArgumentException("not a cache envelope (" + bytes.length + " bytes)"));
      return null;
    }
    if (now >= env.softExpiryMillis() + maxStaleMillis) {
      return null; // past its hard TTL by our clock, even if Redis still holds it
    }
    V value = null;
    if (!env.absent()) {
      try {
        value = Require.notNull(codec.decode(env.value()), "decoded value");
      } catch (RuntimeException e) {
        codecError(key, "decode", e);
        return null;
      }
    }
    return new Entry<>(
        value,
        env.version(),
        env.writtenAtMillis(),
        env.softExpiryMillis(),
        env.loadMillis(),
        time.nanoTime(),
        env.value().length);
  }

  private byte @Nullable [] encodeQuietly(String key, V value) {
    byte[] bytes;
    try {
      bytes = Require.notNull(codec.encode(value), "encoded value");
    } catch (RuntimeException e) {
      codecError(key, "encode", e);
      return null;
    }
    if (bytes.length > settings.maxValueBytes()) {
      codecError(key, "oversize", new IllegalArgumentException(bytes.length + " bytes"));
      return null;
    }
    return bytes;
  }

  private byte[] encodeOrThrow(String key, V value) {
    byte[] bytes;
    try {
      bytes = Require.notNull(codec.encode(value), "encoded value");
    } catch (RuntimeException e) {
      metrics.codecError("encode");
      throw new CacheCodecException(
          "cache '" + name + "' could not encode the value for key '" + key + "': " + e, e);
    }
    if (bytes.length > settings.maxValueBytes()) {
      metrics.codecError("oversize");
      throw new IllegalArgumentException(
          "value must be at most "
              + settings.maxValueBytes()
              + " bytes encoded but was "
              + bytes.length
              + " bytes (cache '"
              + name
              + "', key '"
              + key
              + "')");
    }
    return bytes;
  }

  private void codecError(String key, String kind, Throwable e) {
    metrics.codecError(kind);
    if (codecErrorLogged.compareAndSet(false, true)) {
      LOG.warn(
          "cache '{}': {} failed for key '{}' ({}); the value is not cached. Further codec errors are "
              + "counted in larder.cache.codec.errors and logged at debug",
          name,
          kind,
          key,
          e.toString());
    } else {
      LOG.debug("cache '{}': {} failed for key '{}'", name, kind, key, e);
    }
  }

  private Map<String, V> callLoader(BatchLoader<V> loader, Set<String> keys) {
    try {
      return Require.notNull(loader.loadAll(keys), "loader result");
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  private static Throwable causeOf(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private CacheResult<V> unwrap(String key, @Nullable Object r) {
    if (r instanceof RuntimeException e) {
      if (e instanceof StaleValueUnavailableException s) {
        // A fresh exception per caller: joiners must not share (and mutate) one instance.
        throw new StaleValueUnavailableException(
            name, key, s.getCause() == null ? s : s.getCause());
      }
      throw e;
    }
    @SuppressWarnings("unchecked")
    CacheResult<V> result = (CacheResult<V>) Require.notNull(r, "result");
    return result;
  }

  private static <V> void mergeStale(
      Map<String, Stale<V>> stale, String key, @Nullable Entry<V> e, Source source) {
    if (e == null) {
      return;
    }
    Stale<V> old = stale.get(key);
    if (old == null || old.entry().writtenAtMillis() < e.writtenAtMillis()) {
      stale.put(key, new Stale<>(e, source));
    }
  }

  private List<String> validKeys(Collection<String> keys) {
    Require.notNull(keys, "keys");
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String k : keys) {
      namespace.qualify(k);
      distinct.add(k);
    }
    return List.copyOf(distinct);
  }

  private List<Keys> keysOf(Collection<String> keys) {
    List<Keys> out = new ArrayList<>(keys.size());
    for (String k : keys) {
      out.add(Keys.of(namespace.qualify(k)));
    }
    return out;
  }

  private static <V> BatchLoader<V> single(CacheLoader<V> loader) {
    return keys -> {
      Map<String, V> out = new HashMap<>();
      for (String k : keys) {
        Optional<V> v = Require.notNull(loader.load(k), "loader result");
        v.ifPresent(value -> out.put(k, value));
      }
      return out;
    };
  }

  private long jitteredTtlMillis() {
    long ttl = settings.ttl().toMillis();
    return ttl - (long) (ttl * settings.ttlJitter() * (1 - settings.random().getAsDouble()));
  }

  private long nowMillis() {
    return time.now().toEpochMilli();
  }

  private int millisSince(long startedTs) {
    return (int)
        Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - startedTs));
  }

  private static Duration age(Entry<?> e, long now) {
    return Duration.ofMillis(Math.max(0, now - e.writtenAtMillis()));
  }

  /** A value the caller put in the map for every key it now reads back. */
  private static <T> T present(Map<String, T> map, String key) {
    return java.util.Objects.requireNonNull(map.get(key), key);
  }
}
