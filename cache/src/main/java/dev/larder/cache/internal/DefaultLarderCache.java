package dev.larder.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.cache.BatchLoader;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.CacheCodecException;
import dev.larder.cache.CacheLoader;
import dev.larder.cache.CacheResult;
import dev.larder.cache.CacheResult.Source;
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
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
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
 * The two-tier cache. Every read path (single key, batch, warm-up) goes through
 * {@link #lookupMany}, so single-flight, leases, fallback and fencing have one implementation; the
 * one shortcut is a single-key {@code get}/{@code lookup} that L1 can serve as fresh (same freshness
 * test, same hit meter, same early-refresh draw, without the batch path's maps and key checks).
 *
 * <p>Thread model: the caller that starts a load leads it on its own thread; the loader itself runs
 * on the cache's executor so the leader can stop waiting after {@code loadTimeout} (the load then
 * finishes in the background and still fills the cache, fenced by the version). Callers in this JVM
 * wait on the leader's future; no I/O ever runs inside a map or Caffeine mapping function.
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
  private final ExecutorService executor;
  private final boolean ownExecutor;
  private final ScheduledExecutorService scheduler;
  private final long l1TtlNanos;
  private final long maxStaleMillis;
  private final long joinTimeoutNanos;
  private final L1Fence fence;
  private final @Nullable InvalidationBus bus;

  /** One cached value (or absence) with the metadata of its envelope. */
  record Entry<V>(@Nullable V value, long version, long writtenAtMillis, long softExpiryMillis, int loadMillis,
      long storedNanos) {}

  /** A value that may serve as a stale fallback, and where it was found. */
  record Stale<V>(Entry<V> entry, Source source) {}

  /** One in-flight load (or background refresh) of one key in this JVM. */
  static final class Flight<V> {
    final CompletableFuture<@Nullable CacheResult<V>> future = new CompletableFuture<>();
    final long epoch;
    volatile boolean invalidated;

    Flight(long epoch) {
      this.epoch = epoch;
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
  @SuppressWarnings("unchecked")
  public DefaultLarderCache(Settings settings, BusSettings busSettings) {
    this.settings = settings;
    this.namespace = settings.namespace();
    this.name = namespace.name();
    this.codec = (CacheCodec<V>) settings.codec();
    this.time = settings.time();
    this.metrics = settings.metrics();
    this.loaderBreaker = settings.loaderBreaker();
    this.redis = new RedisTier(settings.redisson(), settings.redisBreaker(), settings.redisTimeout(), metrics,
        namespace.prefix(), this::generationMoved);
    this.l1TtlNanos = settings.l1Ttl().toNanos();
    this.maxStaleMillis = settings.maxStale().toMillis();
    this.joinTimeoutNanos = settings.redisTimeout().multipliedBy(4)
        .plus(settings.lockWait()).plus(settings.loadTimeout()).plusSeconds(1).toNanos();
    // L1 keeps entries past their L1 TTL for the max-stale window: they are not served as hits then,
    // only as a fallback when Redis and the loader both fail.
    this.l1 = Caffeine.newBuilder()
        .maximumSize(settings.l1MaximumSize())
        .expireAfterWrite(settings.l1Ttl().plus(settings.maxStale()))
        .ticker(time::nanoTime)
        .build();
    if (settings.executor() != null) {
      this.executor = settings.executor();
      this.ownExecutor = false;
    } else {
      AtomicInteger n = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(0, 64, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "larder-cache-" + name + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.CallerRunsPolicy());
      this.executor = pool;
      this.ownExecutor = true;
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "larder-cache-" + name + "-hot-keys");
      t.setDaemon(true);
      return t;
    });
    long every = settings.hotKeyCheckInterval().toNanos();
    scheduler.scheduleWithFixedDelay(this::refreshHotKeysQuietly, every, every, TimeUnit.NANOSECONDS);
    // Tombstones must outlive any load that can still try to store: the lease bounds a leader's load,
    // the join timeout a follower's wait, the L1 TTL what a late store could keep alive.
    this.fence = new L1Fence(Math.max(1_000, settings.l1MaximumSize()),
        settings.lockLease().plus(settings.l1Ttl()).plusNanos(joinTimeoutNanos));
    if (busSettings.enabled()) {
      this.bus = new InvalidationBus(settings.redisson(), InvalidationBus.CHANNEL_PREFIX + namespace.prefix(), name,
          this, busSettings.heartbeatInterval(), busSettings.heartbeatTimeout(), settings.redisTimeout(), settings.redisBreaker(), metrics,
          time);
      bus.start();
    } else {
      this.bus = null;
    }
    settings.redisBreaker().getEventPublisher().onStateTransition(e ->
        LOG.warn("cache '{}': redis circuit breaker {} (the cache serves from L1 and the loader while it is open)",
            name, e.getStateTransition()));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public @Nullable V get(String key, CacheLoader<V> loader) {
    Entry<V> e = freshL1Hit(key, loader);
    return e != null ? e.value() : lookupSlow(key, loader).valueOrNull();
  }

  @Override
  public CacheResult<V> lookup(String key, CacheLoader<V> loader) {
    Entry<V> e = freshL1Hit(key, loader);
    return e != null ? CacheResult.fresh(e.value(), Source.L1, age(e, nowMillis())) : lookupSlow(key, loader);
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
    return unwrap(key, lookupMany(List.of(key), single(loader)).get(key));
  }

  /**
   * The single-key fast path's checks. Only checked keys ever enter L1, so a key L1 holds needs no
   * check beyond null; any other key is checked in full by {@link #lookupSlow} before it reaches
   * Redis or the loader.
   */
  private void checkSingle(@Nullable String key, CacheLoader<V> loader) {
    if (key == null) {
      namespace.qualify(key); // throws the usual message
    }
    Require.notNull(loader, "loader");
  }

  /** Whether an L1 entry may be served as fresh: within its soft TTL and younger than the L1 TTL. */
  private boolean servesFresh(Entry<V> e, long now) {
    return now < e.softExpiryMillis() && time.nanoTime() - e.storedNanos() < l1TtlNanos;
  }

  @Override
  public Map<String, V> getAll(Collection<String> keys, BatchLoader<V> loader) {
    Map<String, V> out = new LinkedHashMap<>();
    lookupAll(keys, loader).forEach((k, r) -> {
      if (r.isPresent()) {
        out.put(k, r.valueOrNull());
      }
    });
    return out;
  }

  @Override
  public Map<String, CacheResult<V>> lookupAll(Collection<String> keys, BatchLoader<V> loader) {
    List<String> distinct = validKeys(keys);
    Require.notNull(loader, "loader");
    Map<String, CacheResult<V>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : lookupMany(distinct, loader).entrySet()) {
      out.put(e.getKey(), unwrap(e.getKey(), e.getValue()));
    }
    return out;
  }

  @Override
  public void put(String key, V value) {
    Keys keys = Keys.of(namespace.qualify(key));
    Require.notNull(value, "value");
    byte[] bytes = encodeOrThrow(key, value);
    invalidateLocal(key);
    long now = nowMillis();
    long soft = jitteredTtlMillis();
    boolean cacheL1 = true;
    long version = -1;
    try {
      RedisTier.Bumped bumped = redis.bumpAll(List.of(keys), false);
      version = bumped.versions().get(0);
      Envelope env = new Envelope(false, version, now, now + soft, 0, bytes);
      cacheL1 = redis.write(List.of(keys), List.of(env.encode()), List.of(soft + maxStaleMillis), List.of(version), null,
          bumped.generation()).get(0);
    } catch (UnavailableException e) {
      // Degraded: L1 only; the old L2 entry, if any, lives until its TTL.
    }
    if (cacheL1) {
      storeL1(key, new Entry<>(value, version, now, now + soft, 0, time.nanoTime()), null);
    }
    publish(List.of(key), new long[] {Math.max(0, version)});
  }

  @Override
  public <E extends Exception> V writeThrough(String key, Write<? extends V, E> write) throws E {
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
      // A load that wrote L2 just before the bump may have filled L1 since the first drop: drop again,
      // now behind a tombstone at the new version.
      dropLocal(distinct, versions);
    } catch (UnavailableException e) {
      // Counted by the Redis tier; the L2 entries expire by their TTL. Still publish (version 0 only
      // drops): if Redis is gone the publish fails too, and receivers see the skipped sequence number.
    }
    publish(distinct, versions);
  }

  @Override
  public void invalidateAll() {
    invalidateLocalAll();
    try {
      redis.clearAll();
      // A read that got an old-generation value just before the increment may have filled L1 since
      // the first clear: clear again, now that every later Redis call sees the new generation.
      invalidateLocalAll();
    } catch (UnavailableException e) {
      // Counted by the Redis tier; L2 is not cleared (its entries expire by their TTL), as documented.
    }
    if (bus != null) {
      bus.await(bus.publishAll());
    }
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
    invalidateLocalAll();
  }

  /** A Redis call found that another instance cleared the namespace (its message may be lost). */
  private void generationMoved() {
    metrics.busClear("generation");
    LOG.info("cache '{}': the namespace was cleared in Redis (generation {}); L1 cleared", name, redis.generation());
    invalidateLocalAll();
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
    namespace.qualify(key);
    Require.notNull(loader, "loader");
    hotKeys.put(key, single(loader));
  }

  @Override
  public void unmarkHot(String key) {
    hotKeys.remove(Require.notNull(key, "key"));
  }

  @Override
  public WarmupProgress warm(Collection<String> keys, BatchLoader<V> loader, int batchSize, int parallelism,
      Consumer<WarmupProgress> progress) {
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
      batches.add(CompletableFuture.runAsync(() -> {
        try {
          Map<String, Object> results = lookupMany(batch, loader);
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
            progress.accept(new WarmupProgress(total, counts[0], counts[1], counts[2], counts[3]));
          } finally {
            lock.unlock();
          }
        } finally {
          slots.release();
        }
      }, executor));
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
    if (bus != null) {
      bus.close();
    }
    scheduler.shutdownNow();
    if (ownExecutor) {
      executor.shutdown();
    }
  }

  /** Refreshes every hot key whose L1 entry is missing or within the refresh-ahead window. */
  public void refreshHotKeys() {
    long now = nowMillis();
    long ahead = settings.refreshAhead().toMillis();
    hotKeys.forEach((key, loader) -> {
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

  /** Per key (in order), a CacheResult or the RuntimeException that a caller would get. */
  private Map<String, Object> lookupMany(List<String> keys, BatchLoader<V> loader) {
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
      Flight<V> running = inFlight.putIfAbsent(key, mine);
      if (running == null) {
        owned.put(key, mine);
        waitFor.put(key, mine);
      } else {
        metrics.stampedeJoin(false);
        waitFor.put(key, running);
      }
    }
    if (!owned.isEmpty()) {
      lead(owned, l1Seen, loader);
    }
    for (Map.Entry<String, Flight<V>> w : waitFor.entrySet()) {
      String key = w.getKey();
      Object r = await(key, w.getValue(), l1Seen.get(key));
      if (r == null) {
        // A background refresh we joined produced nothing new: look again, now without it.
        r = lookupMany(List.of(key), loader).get(key);
      }
      out.put(key, r);
    }
    return out;
  }

  private @Nullable Object await(String key, Flight<V> flight, @Nullable Entry<V> l1Entry) {
    try {
      return flight.future.get(joinTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return fallback(key, l1Entry == null ? null : new Stale<>(l1Entry, Source.L1), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause instanceof RuntimeException re ? re : new LarderException("load of key failed", cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new LarderException("interrupted while waiting for a load in cache '" + name + "'", e);
    }
  }

  /** Serves the owned keys: batched L2 read, leases, batched load. Completes every owned flight. */
  private void lead(Map<String, Flight<V>> owned, Map<String, Entry<V>> l1Seen, BatchLoader<V> loader) {
    Map<String, Stale<V>> stale = new HashMap<>();
    l1Seen.forEach((k, e) -> stale.put(k, new Stale<>(e, Source.L1)));
    try {
      List<String> pending = new ArrayList<>(owned.keySet());
      // What the batched read returned per key: the lease round trip returns the same bytes again
      // when nobody wrote meanwhile, and a corrupt entry must be reported once, not twice.
      Map<String, byte[]> readBytes = new HashMap<>();
      boolean redisUp = true;
      Map<String, byte[]> raw = null;
      try {
        raw = redis.get(keysOf(pending));
      } catch (UnavailableException e) {
        redisUp = false;
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
          finish(key, owned.get(key), CacheResult.fresh(l2.value(), Source.L2, age(l2, now)));
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
      long deadline = System.nanoTime() + settings.lockWait().toNanos();
      boolean polled = false;
      while (redisUp && !pending.isEmpty()) {
        List<Acquired> acquired;
        try {
          acquired = redis.acquire(keysOf(pending), token, settings.lockLease().toMillis());
        } catch (UnavailableException e) {
          break;
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
          // Unchanged bytes were judged not fresh (or corrupt) at the last look: skip decoding them again.
          Entry<V> seen = data == null || Arrays.equals(data, readBytes.get(key)) ? null : decode(key, data, now);
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
            finish(key, owned.get(key), CacheResult.fresh(seen.value(), Source.L2, age(seen, now)));
          } else {
            mergeStale(stale, key, seen, Source.L2);
            (a.acquired() ? toLoad : stillWaiting).add(key);
          }
        }
        redis.releaseQuietly(release, token);
        if (!toLoad.isEmpty()) {
          load(toLoad, loader, versions, generation, token, stale, owned);
        }
        pending = stillWaiting;
        if (pending.isEmpty()) {
          break;
        }
        if (System.nanoTime() >= deadline) {
          pending.forEach(k -> metrics.lockWaitTimeout());
          break;
        }
        LockSupport.parkNanos(settings.lockPollInterval().toNanos());
        polled = true;
      }
      if (!pending.isEmpty()) {
        // Redis is down, or the other instance's load outlived our wait: load without a lease.
        // Keys without a known version are written to L1 only.
        Map<String, Long> known = new HashMap<>();
        pending.forEach(k -> known.put(k, versions.getOrDefault(k, -1L)));
        load(pending, loader, known, generation, token, stale, owned);
      }
    } catch (RuntimeException | Error t) {
      owned.forEach((k, f) -> {
        inFlight.remove(k, f);
        f.future.completeExceptionally(t);
      });
      throw t;
    }
  }

  /** Calls the loader for some keys (bounded by loadTimeout), stores what it returns, completes flights. */
  private void load(List<String> keys, BatchLoader<V> loader, Map<String, Long> versions, long generation, String token,
      Map<String, Stale<V>> stale, Map<String, Flight<V>> flights) {
    if (!loaderBreaker.tryAcquirePermission()) {
      CallNotPermittedException refused = CallNotPermittedException.createCallNotPermittedException(loaderBreaker);
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, flights.get(k), fallback(k, stale.get(k), refused)));
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
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete((m, t) -> {
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
      loaded = call.get(settings.loadTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      if (recorded.compareAndSet(false, true)) {
        loaderBreaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
      }
      metrics.load("failure", System.nanoTime() - started);
      // The load goes on; if it succeeds it still fills the cache, fenced by the version. If it
      // fails, free the lease now rather than make other instances wait for it to expire.
      call.whenComplete((m, t) -> {
        if (t == null) {
          store(keys, m, millisSince(startedTs), versions, generation, token, flights);
        } else {
          redis.releaseQuietly(keysOf(keys), token);
        }
      });
      keys.forEach(k -> finish(k, flights.get(k), fallback(k, stale.get(k), e)));
      return;
    } catch (ExecutionException e) {
      Throwable cause = causeOf(e);
      metrics.load("failure", System.nanoTime() - started);
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, flights.get(k), fallback(k, stale.get(k), cause)));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      redis.releaseQuietly(keysOf(keys), token);
      keys.forEach(k -> finish(k, flights.get(k), fallback(k, stale.get(k), e)));
      return;
    }
    metrics.load("success", System.nanoTime() - started);
    Map<String, CacheResult<V>> results = store(keys, loaded, millisSince(startedTs), versions, generation, token, flights);
    keys.forEach(k -> finish(k, flights.get(k), results.get(k)));
  }

  /**
   * Writes loaded values to L2 (under their versions) and L1; values that cannot be encoded or are
   * too large go nowhere. Returns the callers' results.
   */
  private Map<String, CacheResult<V>> store(List<String> keys, Map<String, V> loaded, int loadMillis,
      Map<String, Long> versions, long generation, String token, Map<String, Flight<V>> flights) {
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
      Entry<V> entry = new Entry<>(value, version, now, now + soft, loadMillis, time.nanoTime());
      if (version < 0) {
        storeL1(key, entry, flights.get(key));
        continue;
      }
      writeKeys.add(key);
      writeRedisKeys.add(rk);
      envelopes.add(new Envelope(value == null, version, now, now + soft, loadMillis, bytes).encode());
      ttls.add(soft + maxStaleMillis);
      writeVersions.add(version);
      entries.put(key, entry);
    }
    redis.releaseQuietly(release, token);
    if (!writeKeys.isEmpty()) {
      List<Boolean> written;
      try {
        written = redis.write(writeRedisKeys, envelopes, ttls, writeVersions, token, generation);
      } catch (UnavailableException e) {
        written = Collections.nCopies(writeKeys.size(), Boolean.TRUE); // degraded: L1 only
      }
      for (int i = 0; i < writeKeys.size(); i++) {
        if (written.get(i)) {
          String key = writeKeys.get(i);
          storeL1(key, entries.get(key), flights.get(key));
        } else {
          metrics.staleSetRejected("l2");
        }
      }
    }
    return results;
  }

  private Object fallback(String key, @Nullable Stale<V> stale, Throwable cause) {
    long now = nowMillis();
    if (stale != null && now < stale.entry().softExpiryMillis() + maxStaleMillis) {
      metrics.staleServe(stale.source());
      return CacheResult.stale(stale.entry().value(), stale.source(), age(stale.entry(), now), cause);
    }
    return new StaleValueUnavailableException(name, key, cause);
  }

  private CacheResult<V> hit(String key, Entry<V> e, Source source, BatchLoader<V> loader, long now) {
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
    return beta > 0 && now - delta * beta * Math.log(settings.random().getAsDouble()) >= e.softExpiryMillis();
  }

  /** Starts one background refresh of a key unless a load of it is already running here. */
  private void startRefresh(String key, BatchLoader<V> loader, @Nullable Entry<V> base) {
    Flight<V> flight = new Flight<>(localEpoch.get());
    if (inFlight.putIfAbsent(key, flight) != null) {
      return;
    }
    metrics.earlyRefresh();
    try {
      executor.execute(() -> refresh(key, loader, base, flight));
    } catch (RejectedExecutionException e) {
      inFlight.remove(key, flight);
      flight.future.complete(null);
    }
  }

  private void refresh(String key, BatchLoader<V> loader, @Nullable Entry<V> base, Flight<V> flight) {
    CacheResult<V> result = null;
    try {
      Keys keys = Keys.of(namespace.qualify(key));
      String token = UUID.randomUUID().toString();
      long version = -1;
      long generation = 0;
      try {
        Acquired a = redis.acquire(List.of(keys), token, settings.lockLease().toMillis()).get(0);
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
        version = a.version();
        generation = a.generation();
      } catch (UnavailableException e) {
        // Refresh L1 only.
      }
      if (!loaderBreaker.tryAcquirePermission()) {
        redis.releaseQuietly(List.of(keys), token);
        return;
      }
      long started = System.nanoTime();
      long startedTs = time.nanoTime();
      Map<String, V> loaded;
      try {
        loaded = callLoader(loader, Set.of(key));
        loaderBreaker.onSuccess(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      } catch (RuntimeException e) {
        loaderBreaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, causeOf(e));
        metrics.load("failure", System.nanoTime() - started);
        redis.releaseQuietly(List.of(keys), token);
        return;
      }
      metrics.load("success", System.nanoTime() - started);
      result = store(List.of(key), loaded, millisSince(startedTs), Map.of(key, version), generation, token, Map.of(key, flight))
          .get(key);
    } catch (RuntimeException | Error t) {
      LOG.debug("cache '{}': background refresh failed", name, t);
    } finally {
      inFlight.remove(key, flight);
      flight.future.complete(result);
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
      Entry<V> stored = new Entry<>(entry.value(), entry.version(), entry.writtenAtMillis(), entry.softExpiryMillis(),
          entry.loadMillis(), time.nanoTime());
      // No I/O in here: a version comparison under the key's bin lock, so a racing drop either
      // comes after this store or has already left its tombstone.
      l1.asMap().compute(key, (k, old) -> {
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
      codecError(key, "decode", new IllegalArgumentException("not a cache envelope (" + bytes.length + " bytes)"));
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
    return new Entry<>(value, env.version(), env.writtenAtMillis(), env.softExpiryMillis(), env.loadMillis(),
        time.nanoTime());
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
      throw new CacheCodecException("cache '" + name + "' could not encode the value for key '" + key + "': " + e, e);
    }
    if (bytes.length > settings.maxValueBytes()) {
      metrics.codecError("oversize");
      throw new IllegalArgumentException("value must be at most " + settings.maxValueBytes()
          + " bytes encoded but was " + bytes.length + " bytes (cache '" + name + "', key '" + key + "')");
    }
    return bytes;
  }

  private void codecError(String key, String kind, Throwable e) {
    metrics.codecError(kind);
    if (codecErrorLogged.compareAndSet(false, true)) {
      LOG.warn("cache '{}': {} failed for key '{}' ({}); the value is not cached. Further codec errors are "
          + "counted in larder.cache.codec.errors and logged at debug", name, kind, key, e.toString());
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
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private CacheResult<V> unwrap(String key, @Nullable Object r) {
    if (r instanceof RuntimeException e) {
      if (e instanceof StaleValueUnavailableException s) {
        // A fresh exception per caller: joiners must not share (and mutate) one instance.
        throw new StaleValueUnavailableException(name, key, s.getCause() == null ? s : s.getCause());
      }
      throw e;
    }
    @SuppressWarnings("unchecked")
    CacheResult<V> result = (CacheResult<V>) Require.notNull(r, "result");
    return result;
  }

  private static <V> void mergeStale(Map<String, Stale<V>> stale, String key, @Nullable Entry<V> e, Source source) {
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
    return (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(time.nanoTime() - startedTs));
  }

  private static Duration age(Entry<?> e, long now) {
    return Duration.ofMillis(Math.max(0, now - e.writtenAtMillis()));
  }
}
