package dev.larder.cache;

import dev.larder.cache.internal.BusSettings;
import dev.larder.cache.internal.CacheMetrics;
import dev.larder.cache.internal.DefaultLarderCache;
import dev.larder.cache.internal.MicrometerCacheMetrics;
import dev.larder.cache.internal.Settings;
import dev.larder.core.KeyNamespace;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.resilience.CircuitBreakerPresets;
import dev.larder.resilience.FailureClassifiers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * Builds a {@link LarderCache}. Each setting may be given once; a repeated setting fails with
 * {@link IllegalStateException} naming the earlier value, a bad value fails at once with {@link
 * IllegalArgumentException} naming the setting and the value, and rules that involve several
 * settings are checked in {@link #build()}.
 *
 * <p>Only {@link #namespace} and {@link #redisson} are required; see the module README for the
 * defaults and the reasons behind them.
 *
 * @param <V> the value type
 */
public final class LarderCacheBuilder<V> {

  /** Default L1 size bound, in entries. */
  public static final long DEFAULT_L1_MAXIMUM_SIZE = 10_000;

  /** Default time an L1 entry is served without asking Redis. */
  public static final Duration DEFAULT_L1_TTL = Duration.ofSeconds(30);

  /** Default soft TTL (freshness). */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

  /** Default TTL jitter: soft TTLs are shortened at random by up to this fraction. */
  public static final double DEFAULT_TTL_JITTER = 0.1;

  /** Default window after the soft TTL during which a value is kept as a stale fallback. */
  public static final Duration DEFAULT_MAX_STALE = Duration.ofMinutes(10);

  /** Default negative TTL (how long an absence is remembered). */
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

  /** Default bound on a caller's wait for the loader. */
  public static final Duration DEFAULT_LOAD_TIMEOUT = Duration.ofSeconds(5);

  /** Default bound on each Redis call. */
  public static final Duration DEFAULT_REDIS_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Default lifetime of a load lease; its holder renews it every third of this while its load runs.
   */
  public static final Duration DEFAULT_LOCK_LEASE = Duration.ofSeconds(3);

  /** Shortest load lease accepted: renewals go out every third of it, per loading key. */
  public static final Duration MIN_LOCK_LEASE = Duration.ofMillis(100);

  /** Default interval between looks for another instance's value. */
  public static final Duration DEFAULT_LOCK_POLL_INTERVAL = Duration.ofMillis(25);

  /** Default XFetch beta (1 is the paper's recommendation). */
  public static final double DEFAULT_EARLY_REFRESH_BETA = 1.0;

  /** Default interval between hot-key checks. */
  public static final Duration DEFAULT_HOT_KEY_CHECK_INTERVAL = Duration.ofSeconds(1);

  /** Default interval between invalidation-channel heartbeats. */
  public static final Duration DEFAULT_BUS_HEARTBEAT = Duration.ofSeconds(1);

  /**
   * Heartbeats an instance may miss before it clears L1 (its channel timeout is this times the
   * interval).
   */
  public static final int BUS_HEARTBEATS_MISSED = 3;

  /** Default largest encoded value stored, in bytes. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

  private final CacheCodec<V> codec;
  private @Nullable KeyNamespace namespace;
  private @Nullable RedissonClient redisson;
  private @Nullable Long l1MaximumSize;
  private @Nullable Long l1MaximumWeight;
  private @Nullable Duration l1Ttl;
  private @Nullable Duration ttl;
  private @Nullable Double ttlJitter;
  private @Nullable Duration maxStale;
  private @Nullable Duration negativeTtl;
  private @Nullable Duration loadTimeout;
  private @Nullable Duration redisTimeout;
  private @Nullable Duration lockLease;
  private @Nullable Duration lockWait;
  private @Nullable Duration lockPollInterval;
  private @Nullable Double earlyRefreshBeta;
  private @Nullable Duration refreshAhead;
  private @Nullable Duration hotKeyCheckInterval;
  private @Nullable Integer maxValueBytes;
  private @Nullable CircuitBreaker loaderBreaker;
  private @Nullable CircuitBreaker redisBreaker;
  private @Nullable Object meterRegistry;
  private @Nullable TimeSource timeSource;
  private @Nullable ExecutorService executor;
  private @Nullable DoubleSupplier random;
  private @Nullable Boolean invalidationBus;
  private @Nullable Duration busHeartbeat;

  LarderCacheBuilder(CacheCodec<V> codec) {
    this.codec = Require.notNull(codec, "codec");
  }

  /**
   * The key namespace; its name is the cache's name. Required.
   *
   * @param namespace e.g. {@code KeyNamespace.of("products", 1)}
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> namespace(KeyNamespace namespace) {
    Require.notYetSet(this.namespace, "namespace");
    this.namespace = Require.notNull(namespace, "namespace");
    return this;
  }

  /**
   * The Redisson client for the L2 tier. Required; the cache never shuts it down.
   *
   * @param redisson the caller's client (see {@link RedissonPresets})
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> redisson(RedissonClient redisson) {
    Require.notYetSet(this.redisson, "redisson");
    this.redisson = Require.notNull(redisson, "redisson");
    return this;
  }

  /**
   * The most entries L1 holds in this JVM.
   *
   * @param entries {@code > 0}; default {@value #DEFAULT_L1_MAXIMUM_SIZE}
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> l1MaximumSize(long entries) {
    Require.notYetSet(this.l1MaximumSize, "l1MaximumSize");
    this.l1MaximumSize = Require.positive(entries, "l1MaximumSize");
    return this;
  }

  /**
   * Bounds L1 by the encoded size of what it holds instead of by entries: each entry weighs its
   * value's encoded bytes plus its key and a fixed 64-byte overhead. Use it when values vary in
   * size (10,000 entries of 1 MiB would be 10 GiB of heap under an entry bound).
   *
   * @param bytes {@code > 0}; no default (L1 is bounded by {@link #l1MaximumSize} unless this is
   *     set)
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> l1MaximumWeight(long bytes) {
    Require.notYetSet(this.l1MaximumWeight, "l1MaximumWeight");
    this.l1MaximumWeight = Require.positive(bytes, "l1MaximumWeight");
    return this;
  }

  /**
   * How long an L1 entry is served without asking Redis; bounds how stale L1 can be in another JVM
   * after an invalidation it did not hear of. Never longer than the value's own TTL.
   *
   * @param l1Ttl {@code > 0}; default 30 s
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> l1Ttl(Duration l1Ttl) {
    Require.notYetSet(this.l1Ttl, "l1Ttl");
    this.l1Ttl = Require.positive(l1Ttl, "l1Ttl");
    return this;
  }

  /**
   * The soft TTL: how long a loaded value is fresh.
   *
   * @param ttl {@code > 0}; default 5 min
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> ttl(Duration ttl) {
    Require.notYetSet(this.ttl, "ttl");
    this.ttl = Require.positive(ttl, "ttl");
    return this;
  }

  /**
   * Spreads expiries: each soft TTL is shortened at random by up to this fraction, so keys loaded
   * together do not expire together.
   *
   * @param fraction in [0, 0.9]; default {@value #DEFAULT_TTL_JITTER}
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> ttlJitter(double fraction) {
    Require.notYetSet(this.ttlJitter, "ttlJitter");
    this.ttlJitter = Require.inRange(fraction, 0, 0.9, "ttlJitter");
    return this;
  }

  /**
   * How long after its soft TTL a value is kept (hard TTL = ttl + maxStale) to be served, marked
   * stale, when a load fails. Zero disables stale fallback.
   *
   * @param maxStale {@code >= 0}; default 10 min
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> maxStale(Duration maxStale) {
    Require.notYetSet(this.maxStale, "maxStale");
    this.maxStale = Require.nonNegative(maxStale, "maxStale");
    return this;
  }

  /**
   * How long a loader's "absent" answer is remembered. Zero disables negative caching.
   *
   * @param negativeTtl {@code >= 0}; default 30 s
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> negativeTtl(Duration negativeTtl) {
    Require.notYetSet(this.negativeTtl, "negativeTtl");
    this.negativeTtl = Require.nonNegative(negativeTtl, "negativeTtl");
    return this;
  }

  /**
   * A caller's budget: how long any read waits in all (for a load already running in this JVM, for
   * another instance's lease, and for the loader) before it falls back to a stale value or throws
   * {@link StaleValueUnavailableException}. A load that outlives it goes on in the background and
   * still fills the cache when it ends. Only a Redis call under way when it passes can add to it,
   * by at most {@code redisTimeout}.
   *
   * @param loadTimeout {@code > 0}; default 5 s
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> loadTimeout(Duration loadTimeout) {
    Require.notYetSet(this.loadTimeout, "loadTimeout");
    this.loadTimeout = Require.positive(loadTimeout, "loadTimeout");
    return this;
  }

  /**
   * The most a Redis call (or pipelined batch) may take; past it the call counts as failed and the
   * cache carries on without L2 (a lookup tries one failed call once more before it goes around the
   * lease). Calls wait less once Redis has answered: four times the slowest recent round trip plus
   * 20 ms, at least 250 ms, so a hung Redis is noticed fast while a busy host's slow answers (GC,
   * CPU steal) are not taken for a dead Redis.
   *
   * @param redisTimeout {@code > 0}, less than {@code loadTimeout}; default 2 s, or half of {@code
   *     loadTimeout} when that is shorter
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> redisTimeout(Duration redisTimeout) {
    Require.notYetSet(this.redisTimeout, "redisTimeout");
    this.redisTimeout = Require.positive(redisTimeout, "redisTimeout");
    return this;
  }

  /**
   * Lifetime of a load lease. The instance that holds it renews it every third of this while its
   * load runs (to this long from each renewal), gives it back when the load fails or its caller's
   * {@code loadTimeout} ends, and stops renewing when it can no longer reach Redis (its Redis
   * breaker is open, its connection is cut, the process stopped or paused). So:
   *
   * <ul>
   *   <li>a waiter on another instance takes over (takes the lease and loads) within {@code
   *       lockLease + lockPollInterval} (plus one Redis round trip) of the holder losing Redis, and
   *       within one {@code lockPollInterval} (plus a round trip) of its load failing or its caller
   *       giving up, instead of waiting out {@code lockWait};
   *   <li>a healthy holder keeps the lease however long its load takes, through a failed renewal or
   *       a pause (GC, a starved host) of up to two thirds of {@code lockLease} minus one round
   *       trip (2 s with the default). A longer pause may let a second instance load the key, which
   *       is harmless: both writes are fenced by the key's version.
   * </ul>
   *
   * @param lockLease at least {@link #MIN_LOCK_LEASE}; default {@link #DEFAULT_LOCK_LEASE} (3 s)
   * @return this builder
   * @throws IllegalArgumentException if shorter than {@link #MIN_LOCK_LEASE}
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> lockLease(Duration lockLease) {
    Require.notYetSet(this.lockLease, "lockLease");
    Require.notNull(lockLease, "lockLease");
    if (lockLease.compareTo(MIN_LOCK_LEASE) < 0) {
      throw new IllegalArgumentException(
          "lockLease must be >= "
              + MIN_LOCK_LEASE
              + " but was "
              + lockLease
              + ": renewals go out every third of it");
    }
    this.lockLease = lockLease;
    return this;
  }

  /**
   * How long an instance waits for another instance's load before loading itself. The wait counts
   * against the caller's {@code loadTimeout}: with the default (all of it) an instance never loads
   * a key a healthy instance is loading; it gets that instance's value, or, once the budget is
   * spent, its stale fallback. It takes over sooner when the holder gives up or loses Redis (see
   * {@link #lockLease}).
   *
   * @param lockWait {@code >= 0}, at most {@code loadTimeout}; default {@code loadTimeout}
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> lockWait(Duration lockWait) {
    Require.notYetSet(this.lockWait, "lockWait");
    this.lockWait = Require.nonNegative(lockWait, "lockWait");
    return this;
  }

  /**
   * How often a waiting instance looks for the other instance's value (one Redis call per look per
   * waiting JVM, not per waiting thread).
   *
   * @param interval {@code > 0}; default 25 ms
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> lockPollInterval(Duration interval) {
    Require.notYetSet(this.lockPollInterval, "lockPollInterval");
    this.lockPollInterval = Require.positive(interval, "lockPollInterval");
    return this;
  }

  /**
   * XFetch's beta: larger refreshes earlier. Zero turns probabilistic early refresh off.
   *
   * @param beta in [0, 10]; default 1
   * @return this builder
   * @throws IllegalArgumentException if out of range
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> earlyRefreshBeta(double beta) {
    Require.notYetSet(this.earlyRefreshBeta, "earlyRefreshBeta");
    this.earlyRefreshBeta = Require.inRange(beta, 0, 10, "earlyRefreshBeta");
    return this;
  }

  /**
   * How long before expiry keys {@linkplain LarderCache#markHot marked hot} are refreshed.
   *
   * @param window {@code > 0}, less than {@code ttl}; default a tenth of {@code ttl}
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> refreshAhead(Duration window) {
    Require.notYetSet(this.refreshAhead, "refreshAhead");
    this.refreshAhead = Require.positive(window, "refreshAhead");
    return this;
  }

  /**
   * How often hot keys are checked for refresh-ahead.
   *
   * @param interval {@code > 0}; default 1 s
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> hotKeyCheckInterval(Duration interval) {
    Require.notYetSet(this.hotKeyCheckInterval, "hotKeyCheckInterval");
    this.hotKeyCheckInterval = Require.positive(interval, "hotKeyCheckInterval");
    return this;
  }

  /**
   * The largest encoded value stored; larger values are served but not cached (and rejected by
   * {@link LarderCache#put}).
   *
   * @param bytes {@code > 0}; default 1 MiB
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> maxValueBytes(int bytes) {
    Require.notYetSet(this.maxValueBytes, "maxValueBytes");
    this.maxValueBytes = Require.positive(bytes, "maxValueBytes");
    return this;
  }

  /**
   * The breaker guarding the loader (share one per database with other caches). Default: a breaker
   * named {@code larder-cache-<name>-loader} from larder-resilience's database preset ({@code
   * CircuitBreakerPresets.databaseConfig}): it opens on 5 failed or slow calls in a row that span
   * at least 1 s (so at low traffic too) as well as on the preset's failure and slow-call rates,
   * waits 1 s before probing (doubling to 2 s while probes fail) and then lets 3 probes through; a
   * call slower than {@code loadTimeout} counts as slow. So fresh reads resume within seconds after
   * the database answers again.
   *
   * @param breaker a resilience4j breaker
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> loaderCircuitBreaker(CircuitBreaker breaker) {
    Require.notYetSet(this.loaderBreaker, "loaderCircuitBreaker");
    this.loaderBreaker = Require.notNull(breaker, "loaderCircuitBreaker");
    return this;
  }

  /**
   * The breaker guarding Redis. Default: {@code larder-cache-<name>-redis}, opening at 50% failures
   * over the last 10 calls (at least 5), open for 5 s, then 3 trial calls.
   *
   * @param breaker a resilience4j breaker
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> redisCircuitBreaker(CircuitBreaker breaker) {
    Require.notYetSet(this.redisBreaker, "redisCircuitBreaker");
    this.redisBreaker = Require.notNull(breaker, "redisCircuitBreaker");
    return this;
  }

  /**
   * Publishes {@code larder.cache.*} meters to a Micrometer registry (optional dependency).
   *
   * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
    Require.notYetSet(this.meterRegistry, "meterRegistry");
    this.meterRegistry = Require.notNull(registry, "meterRegistry");
    return this;
  }

  /**
   * The clocks for stored times, ages, TTL decisions and L1 expiry. Default {@link
   * TimeSource#system()}. Waits on real things (Redis calls, lock waits, load timeouts) use the
   * system clock.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> timeSource(TimeSource timeSource) {
    Require.notYetSet(this.timeSource, "timeSource");
    this.timeSource = Require.notNull(timeSource, "timeSource");
    return this;
  }

  /**
   * Runs loader calls, background refreshes and warm-up batches. Default: the cache's own pool of
   * up to 64 daemon threads without a queue: when every thread is busy (loaders that hang) a load
   * is refused at once and the caller gets its fallback, counted as {@code loads{result=rejected}}.
   * The cache does not shut down an executor it was given; one whose rejection policy runs tasks on
   * the caller lets a hung loader hold the caller past its budget.
   *
   * @param executor the executor
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> executor(ExecutorService executor) {
    Require.notYetSet(this.executor, "executor");
    this.executor = Require.notNull(executor, "executor");
    return this;
  }

  /**
   * Whether the cache publishes its invalidations on a Redis pub/sub channel and drops what other
   * instances invalidate from its L1. Turn it off only when one JVM uses the cache, or every writer
   * goes through another channel.
   *
   * @param enabled default {@code true}
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> invalidationBus(boolean enabled) {
    Require.notYetSet(this.invalidationBus, "invalidationBus");
    this.invalidationBus = enabled;
    return this;
  }

  /**
   * How often each instance publishes a heartbeat on the invalidation channel. An instance that has
   * not heard its own messages back for {@value #BUS_HEARTBEATS_MISSED} intervals clears its L1, so
   * a silent channel costs at most that long of staleness.
   *
   * @param interval {@code >= 10 ms}; default 1 s
   * @return this builder
   * @throws IllegalArgumentException if shorter than 10 ms
   * @throws IllegalStateException if already set
   */
  public LarderCacheBuilder<V> busHeartbeat(Duration interval) {
    Require.notYetSet(this.busHeartbeat, "busHeartbeat");
    Require.notNull(interval, "busHeartbeat");
    if (interval.compareTo(Duration.ofMillis(10)) < 0) {
      throw new IllegalArgumentException("busHeartbeat must be >= PT0.01S but was " + interval);
    }
    this.busHeartbeat = interval;
    return this;
  }

  /** For tests: the uniform (0, 1] source behind XFetch and jitter. */
  LarderCacheBuilder<V> random(DoubleSupplier random) {
    this.random = Require.notNull(random, "random");
    return this;
  }

  /**
   * Builds the cache.
   *
   * @return the cache
   * @throws IllegalStateException if {@code namespace} or {@code redisson} is missing, or settings
   *     conflict: {@code lockWait > loadTimeout}, {@code lockPollInterval > lockWait} (when
   *     lockWait > 0), {@code refreshAhead >= ttl}, {@code redisTimeout >= loadTimeout}, both
   *     {@code l1MaximumSize} and {@code l1MaximumWeight} set, or {@code busHeartbeat} set while
   *     {@code invalidationBus} is off
   */
  public LarderCache<V> build() {
    Duration ttl = or(this.ttl, DEFAULT_TTL);
    Duration loadTimeout = or(this.loadTimeout, DEFAULT_LOAD_TIMEOUT);
    // Unset, the ceiling follows a short loadTimeout down: a cache must never wait longer for Redis
    // than for its database.
    Duration halfLoad = loadTimeout.dividedBy(2);
    Duration redisTimeout =
        or(
            this.redisTimeout,
            halfLoad.compareTo(DEFAULT_REDIS_TIMEOUT) < 0 ? halfLoad : DEFAULT_REDIS_TIMEOUT);
    Duration lockLease = or(this.lockLease, DEFAULT_LOCK_LEASE);
    Duration lockWait = or(this.lockWait, loadTimeout);
    Duration lockPoll = or(this.lockPollInterval, DEFAULT_LOCK_POLL_INTERVAL);
    Duration refreshAhead = or(this.refreshAhead, ttl.dividedBy(10));
    if (lockWait.compareTo(loadTimeout) > 0) {
      throw new IllegalStateException(
          "lockWait must be <= loadTimeout ("
              + loadTimeout
              + ") but was "
              + lockWait
              + ": a caller never waits longer than loadTimeout in all");
    }
    if (l1MaximumSize != null && l1MaximumWeight != null) {
      throw new IllegalStateException(
          "l1MaximumWeight was set to "
              + l1MaximumWeight
              + " but l1MaximumSize was already set to "
              + l1MaximumSize
              + ": L1 takes one bound");
    }
    if (!lockWait.isZero() && lockPoll.compareTo(lockWait) > 0) {
      throw new IllegalStateException(
          "lockPollInterval must be <= lockWait (" + lockWait + ") but was " + lockPoll);
    }
    if (refreshAhead.compareTo(ttl) >= 0) {
      throw new IllegalStateException(
          "refreshAhead must be < ttl (" + ttl + ") but was " + refreshAhead);
    }
    if (redisTimeout.compareTo(loadTimeout) >= 0) {
      throw new IllegalStateException(
          "redisTimeout must be < loadTimeout ("
              + loadTimeout
              + ") but was "
              + redisTimeout
              + ": a cache that waits longer for Redis than for the database is slower than no cache");
    }
    if (Boolean.FALSE.equals(invalidationBus) && busHeartbeat != null) {
      throw new IllegalStateException(
          "busHeartbeat was set to " + busHeartbeat + " but invalidationBus is false");
    }
    if (namespace == null) {
      throw new IllegalStateException("namespace must be set");
    }
    if (redisson == null) {
      throw new IllegalStateException("redisson must be set");
    }
    Duration l1Ttl = or(this.l1Ttl, DEFAULT_L1_TTL);
    String name = namespace.name();
    // The database preset (opens on 5 failed or slow calls in a row at low traffic as on a failure
    // rate at high traffic, probes after 1 s doubling to 2 s), with the cache's own notion of slow.
    CircuitBreaker loader =
        loaderBreaker != null
            ? loaderBreaker
            : CircuitBreakerPresets.create(
                "larder-cache-" + name + "-loader",
                CircuitBreakerPresets.databaseConfig(FailureClassifiers.standard())
                    .slowCallDurationThreshold(loadTimeout)
                    // Trial calls that never report (they cannot hang past loadTimeout, but a given
                    // executor
                    // may refuse them) must not keep the breaker half-open forever.
                    .maxWaitDurationInHalfOpenState(loadTimeout.multipliedBy(2))
                    .build());
    CircuitBreaker redis =
        redisBreaker != null
            ? redisBreaker
            : CircuitBreaker.of(
                "larder-cache-" + name + "-redis",
                CircuitBreakerConfig.custom()
                    .slidingWindowSize(10)
                    .minimumNumberOfCalls(5)
                    .failureRateThreshold(50)
                    .waitDurationInOpenState(Duration.ofSeconds(5))
                    .permittedNumberOfCallsInHalfOpenState(3)
                    .build());
    CacheMetrics metrics =
        meterRegistry == null
            ? CacheMetrics.NOOP
            : MicrometerCacheMetrics.create(meterRegistry, name);
    DoubleSupplier rnd =
        random != null ? random : () -> 1.0 - ThreadLocalRandom.current().nextDouble();
    Settings settings =
        new Settings(
            namespace,
            codec,
            redisson,
            or(l1MaximumSize, DEFAULT_L1_MAXIMUM_SIZE),
            or(l1MaximumWeight, 0L),
            l1Ttl,
            ttl,
            or(ttlJitter, DEFAULT_TTL_JITTER),
            or(maxStale, DEFAULT_MAX_STALE),
            or(negativeTtl, DEFAULT_NEGATIVE_TTL),
            loadTimeout,
            redisTimeout,
            lockLease,
            lockWait,
            lockPoll,
            or(earlyRefreshBeta, DEFAULT_EARLY_REFRESH_BETA),
            refreshAhead,
            or(hotKeyCheckInterval, DEFAULT_HOT_KEY_CHECK_INTERVAL),
            or(maxValueBytes, DEFAULT_MAX_VALUE_BYTES),
            loader,
            redis,
            metrics,
            or(timeSource, TimeSource.system()),
            executor,
            rnd);
    Duration heartbeat = or(busHeartbeat, DEFAULT_BUS_HEARTBEAT);
    BusSettings bus =
        new BusSettings(
            or(invalidationBus, Boolean.TRUE),
            heartbeat,
            heartbeat.multipliedBy(BUS_HEARTBEATS_MISSED));
    return new DefaultLarderCache<>(settings, bus);
  }

  private static <T> T or(@Nullable T value, T fallback) {
    return value != null ? value : fallback;
  }
}
