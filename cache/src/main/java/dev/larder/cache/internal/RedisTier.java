package dev.larder.cache.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis tier: every call bounded by a timeout and guarded by its own circuit breaker, so a slow
 * or dead Redis degrades the cache to L1 + loader instead of failing callers.
 *
 * <p>Per caller key {@code q} (already namespaced) three keys share one hash slot:
 * {@code {q}:d} holds the {@link Envelope}, {@code {q}:v} the write version (bumped by every
 * invalidation and put) and {@code {q}:l} the load lease (a random token with an expiry). A loader
 * writes only if the version it read when it took the lease is still current, checked by a Lua script
 * at write time: an invalidation that happens during a slow load wins over the load's older value.
 */
public final class RedisTier {
  private static final Logger LOG = LoggerFactory.getLogger(RedisTier.class);

  /** Version keys outlive any load by far; their expiry only stops them piling up forever. */
  static final long VERSION_TTL_MILLIS = TimeUnit.DAYS.toMillis(1);

  // Takes the lease if free and returns {acquired, version, data?} in the same round trip, so a
  // caller that lost the race for the lease sees a value written meanwhile without another GET.
  private static final String ACQUIRE =
      "local ok = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0\n"
          + "local v = redis.call('GET', KEYS[2]) or '0'\n"
          + "local d = redis.call('GET', KEYS[1])\n"
          + "if d then return {ok, v, d} end\n"
          + "return {ok, v}";

  // Writes only under the version the load started with; releases the caller's lease either way.
  private static final String WRITE =
      "local v = redis.call('GET', KEYS[2]) or '0'\n"
          + "local written = 0\n"
          + "if v == ARGV[3] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]); written = 1 end\n"
          + "if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end\n"
          + "return written";

  private static final String RELEASE =
      "if redis.call('GET', KEYS[3]) == ARGV[1] then return redis.call('DEL', KEYS[3]) end\n"
          + "return 0";

  // Bumps the version (fencing off loads in flight); invalidate also drops the value and revokes
  // the lease so the next reader loads at once instead of waiting for a fenced-off holder.
  private static final String BUMP =
      "local v = redis.call('INCR', KEYS[2])\n"
          + "redis.call('PEXPIRE', KEYS[2], ARGV[1])\n"
          + "if ARGV[2] == '1' then redis.call('DEL', KEYS[1], KEYS[3]) end\n"
          + "return v";

  private final RedissonClient redisson;
  private final CircuitBreaker breaker;
  private final Duration timeout;
  private final CacheMetrics metrics;

  /**
   * Creates the tier.
   *
   * @param redisson the caller's client
   * @param breaker guards every call
   * @param timeout bound on each call (or batch of pipelined calls)
   * @param metrics where failures are counted
   */
  public RedisTier(RedissonClient redisson, CircuitBreaker breaker, Duration timeout, CacheMetrics metrics) {
    this.redisson = redisson;
    this.breaker = breaker;
    this.timeout = timeout;
    this.metrics = metrics;
  }

  /** The three Redis keys of one cache key. */
  record Keys(String data, String version, String lease) {
    static Keys of(String qualified) {
      String tag = "{" + qualified + "}";
      return new Keys(tag + ":d", tag + ":v", tag + ":l");
    }

    List<Object> asList() {
      return List.of(data, version, lease);
    }
  }

  /** What {@link #acquire} saw. */
  record Acquired(boolean acquired, long version, byte @Nullable [] data) {}

  /** Redis could not be used for this call: down, slow, or the breaker is open. */
  static final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnavailableException(Throwable cause) {
      super("redis unavailable: " + cause, cause, false, false);
    }
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** MGET of the data keys; absent keys are missing from the map. */
  Map<String, byte[]> get(List<Keys> keys) {
    String[] names = keys.stream().map(Keys::data).toArray(String[]::new);
    return call(() -> redisson.getBuckets(ByteArrayCodec.INSTANCE).<byte[]>getAsync(names).toCompletableFuture());
  }

  /** Tries to take each key's lease; pipelined, one bounded wait. */
  List<Acquired> acquire(List<Keys> keys, String token, long leaseMillis) {
    byte[] tokenBytes = bytes(token);
    byte[] lease = bytes(Long.toString(leaseMillis));
    List<Object> raw = evalAll(keys, ACQUIRE, RScript.ReturnType.MAPVALUELIST, i -> new Object[] {tokenBytes, lease});
    List<Acquired> out = new ArrayList<>(raw.size());
    for (Object o : raw) {
      List<?> parts = (List<?>) o;
      boolean ok = ((Number) parts.get(0)).longValue() == 1L;
      long version = parseLong(parts.get(1));
      byte[] data = parts.size() > 2 ? (byte[]) parts.get(2) : null;
      out.add(new Acquired(ok, version, data));
    }
    return out;
  }

  /**
   * Writes envelopes under their expected versions and releases the lease when held.
   *
   * @return per key, whether the value was written (false: fenced off by an invalidation)
   */
  List<Boolean> write(List<Keys> keys, List<byte[]> envelopes, List<Long> ttlMillis, List<Long> expectedVersions,
      @Nullable String token) {
    byte[] tok = bytes(token == null ? "" : token);
    List<Object> raw = evalAll(keys, WRITE, RScript.ReturnType.LONG, i -> new Object[] {
        envelopes.get(i), bytes(Long.toString(ttlMillis.get(i))), bytes(Long.toString(expectedVersions.get(i))), tok});
    List<Boolean> out = new ArrayList<>(raw.size());
    for (Object o : raw) {
      out.add(((Number) o).longValue() == 1L);
    }
    return out;
  }

  /** Releases leases still held under {@code token}; failures are ignored (the lease expires). */
  void releaseQuietly(List<Keys> keys, String token) {
    if (keys.isEmpty()) {
      return;
    }
    try {
      byte[] tok = bytes(token);
      evalAll(keys, RELEASE, RScript.ReturnType.LONG, i -> new Object[] {tok});
    } catch (UnavailableException e) {
      // The lease expires by itself; nothing else to do.
    }
  }

  /**
   * Bumps the key's version; with {@code drop}, also deletes its value and revokes its lease.
   *
   * @return the new version
   */
  long bump(Keys keys, boolean drop) {
    byte[] ttl = bytes(Long.toString(VERSION_TTL_MILLIS));
    byte[] flag = bytes(drop ? "1" : "0");
    List<Object> raw = evalAll(List.of(keys), BUMP, RScript.ReturnType.LONG, i -> new Object[] {ttl, flag});
    return ((Number) raw.get(0)).longValue();
  }

  /**
   * {@link #bump} for many keys, pipelined, one bounded wait.
   *
   * @return the new versions, in order
   */
  List<Long> bumpAll(List<Keys> keys, boolean drop) {
    byte[] ttl = bytes(Long.toString(VERSION_TTL_MILLIS));
    byte[] flag = bytes(drop ? "1" : "0");
    List<Object> raw = evalAll(keys, BUMP, RScript.ReturnType.LONG, i -> new Object[] {ttl, flag});
    List<Long> out = new ArrayList<>(raw.size());
    raw.forEach(o -> out.add(((Number) o).longValue()));
    return out;
  }

  /** Deletes every value of a namespace (by SCAN, not atomic); versions are kept. */
  long deleteValues(String namespacePrefix) {
    return call(() -> redisson.getKeys().deleteByPatternAsync("{" + namespacePrefix + "*}:d").toCompletableFuture());
  }

  private List<Object> evalAll(List<Keys> keys, String script, RScript.ReturnType type,
      IntFunction<Object[]> args) {
    return call(() -> {
      RScript rs = redisson.getScript(ByteArrayCodec.INSTANCE);
      List<CompletableFuture<Object>> futures = new ArrayList<>(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        Keys k = keys.get(i);
        futures.add(rs.<Object>evalAsync(k.data(), RScript.Mode.READ_WRITE, script, type, k.asList(), args.apply(i))
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
        List<Object> out = new ArrayList<>(futures.size());
        futures.forEach(f -> out.add(f.join()));
        return Collections.unmodifiableList(out);
      });
    });
  }

  private <T> T call(Supplier<CompletableFuture<T>> op) {
    if (!breaker.tryAcquirePermission()) {
      throw new UnavailableException(CallNotPermittedException.createCallNotPermittedException(breaker));
    }
    // Real time on purpose: this measures a real wait on the network, not a stored or decided time.
    long start = System.nanoTime();
    try {
      T result = op.get().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      breaker.releasePermission();
      throw new UnavailableException(e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, cause);
      metrics.redisFailure();
      LOG.debug("redis call failed", cause);
      throw new UnavailableException(cause);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static long parseLong(Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    return Long.parseLong(new String((byte[]) o, StandardCharsets.US_ASCII));
  }
}
