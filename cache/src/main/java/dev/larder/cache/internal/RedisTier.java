package dev.larder.cache.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.redisson.api.BatchOptions;
import org.redisson.api.BatchResult;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
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
 *
 * <p>Clear-all is a <em>generation</em>: one counter per namespace ({@code larder:gen:<prefix>}),
 * part of every key name ({@code {q}:d} in generation 0, {@code {q}:<n>:d} after the n-th clear).
 * A clear increments it, which makes every older key unreachable at once; a later SCAN only tidies.
 * Every value read, write and version bump is sent in one pipelined batch that ends with a read of
 * the counter, on one connection, so Redis runs it after them: a read or bump made under a
 * generation that has moved is redone under the new one, and a write is reported as refused (its
 * value sits in an unreachable key until its TTL). The counter lives in its own hash slot; the
 * per-key scripts still touch only keys of one slot (cluster-safe), the batch is merely pipelined.
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
  private final String namespacePrefix;
  private final String generationKey;
  private final AtomicLong generation = new AtomicLong();
  // The first answer only tells a new instance where the namespace stands: nothing to clear then.
  private volatile boolean generationSeen;
  private final Runnable onGenerationMoved;
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
   * @param namespacePrefix the cache's key prefix (names its generation counter)
   * @param onGenerationMoved called when a call finds the generation moved by another instance's
   *     clear-all (so the caller clears its L1 even if the clear's message was lost)
   */
  public RedisTier(RedissonClient redisson, CircuitBreaker breaker, Duration timeout, CacheMetrics metrics,
      String namespacePrefix, Runnable onGenerationMoved) {
    this.redisson = redisson;
    this.namespacePrefix = namespacePrefix;
    this.generationKey = "larder:gen:" + namespacePrefix;
    this.onGenerationMoved = onGenerationMoved;
    this.breaker = breaker;
    this.timeout = timeout;
    this.metrics = metrics;
  }

  /**
   * The three Redis keys of one cache key in one generation. Generation 0 keeps the original names,
   * so entries written before generations existed stay readable. Names cannot collide across
   * generations: the character before the final {@code :d} is the tag's brace in generation 0 and a
   * digit otherwise, and the digits run from the last {@code "}:"}.
   */
  record Keys(String qualified, long generation, String data, String version, String lease) {
    static Keys of(String qualified) {
      return of(qualified, 0);
    }

    static Keys of(String qualified, long generation) {
      String base = "{" + qualified + "}" + (generation == 0 ? "" : ":" + generation);
      return new Keys(qualified, generation, base + ":d", base + ":v", base + ":l");
    }

    Keys at(long g) {
      return g == generation ? this : of(qualified, g);
    }

    List<Object> asList() {
      return List.of(data, version, lease);
    }
  }

  /** What {@link #acquire} saw; {@code generation} is the one the version belongs to. */
  record Acquired(boolean acquired, long version, byte @Nullable [] data, long generation) {}

  /** New versions after {@link #bumpAll}, all in {@code generation}. */
  record Bumped(List<Long> versions, long generation) {}

  /** Adds a call's commands to a batch, naming keys in generation {@code g}. */
  @FunctionalInterface
  private interface BatchFill {
    void fill(RBatch b, long g);
  }

  /** Replies of a pipelined batch, and the generation Redis held when the batch ended. */
  private record Batched(List<?> replies, long generation) {}

  /** The generation this instance last saw in Redis (0 before the first clear-all). */
  long generation() {
    return generation.get();
  }

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

  /**
   * Reads the data keys in the current generation (pipelined GETs, one bounded wait); absent keys
   * are missing from the map, which is keyed by qualified key.
   */
  Map<String, byte[]> get(List<Keys> keys) {
    Batched r = inCurrentGeneration((b, g) -> {
      for (Keys k : keys) {
        b.getBucket(k.at(g).data(), ByteArrayCodec.INSTANCE).getAsync();
      }
    });
    Map<String, byte[]> out = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Object v = r.replies().get(i);
      if (v != null) {
        out.put(keys.get(i).qualified(), (byte[]) v);
      }
    }
    return out;
  }

  /** Tries to take each key's lease in the current generation; pipelined, one bounded wait. */
  List<Acquired> acquire(List<Keys> keys, String token, long leaseMillis) {
    byte[] tokenBytes = bytes(token);
    byte[] lease = bytes(Long.toString(leaseMillis));
    // A lease taken in a generation that moved meanwhile is in an unreachable key: it just expires.
    Batched r = inCurrentGeneration((b, g) -> evalInto(b, keys, g, ACQUIRE, RScript.ReturnType.MAPVALUELIST,
        i -> new Object[] {tokenBytes, lease}));
    List<Acquired> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      List<?> parts = (List<?>) r.replies().get(i);
      boolean ok = ((Number) parts.get(0)).longValue() == 1L;
      long version = parseLong(parts.get(1));
      byte[] data = parts.size() > 2 ? (byte[]) parts.get(2) : null;
      out.add(new Acquired(ok, version, data, r.generation()));
    }
    return out;
  }

  /**
   * Writes envelopes under their expected versions and releases the lease when held.
   *
   * @param generation the generation the expected versions were read in
   * @return per key, whether the value was written (false: fenced off by an invalidation, or by a
   *     clear-all that moved the generation)
   */
  List<Boolean> write(List<Keys> keys, List<byte[]> envelopes, List<Long> ttlMillis, List<Long> expectedVersions,
      @Nullable String token, long generation) {
    byte[] tok = bytes(token == null ? "" : token);
    Batched r = batch(b -> evalInto(b, keys, generation, WRITE, RScript.ReturnType.LONG, i -> new Object[] {
        envelopes.get(i), bytes(Long.toString(ttlMillis.get(i))), bytes(Long.toString(expectedVersions.get(i))), tok}));
    if (!sameGeneration(generation, r.generation())) {
      return Collections.nCopies(keys.size(), Boolean.FALSE);
    }
    List<Boolean> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out.add(((Number) r.replies().get(i)).longValue() == 1L);
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
      long g = generation.get();
      evalAll(keys.stream().map(k -> k.at(g)).toList(), RELEASE, RScript.ReturnType.LONG, i -> new Object[] {tok});
    } catch (UnavailableException e) {
      // The lease expires by itself; nothing else to do.
    }
  }

  /**
   * Bumps each key's version in the current generation; with {@code drop}, also deletes its value
   * and revokes its lease. Pipelined, one bounded wait; redone in the new generation if a clear-all
   * moved it, so a load in the new generation is fenced too.
   *
   * @return the new versions, in order, and their generation
   */
  Bumped bumpAll(List<Keys> keys, boolean drop) {
    byte[] ttl = bytes(Long.toString(VERSION_TTL_MILLIS));
    byte[] flag = bytes(drop ? "1" : "0");
    Batched r = inCurrentGeneration((b, g) -> evalInto(b, keys, g, BUMP, RScript.ReturnType.LONG,
        i -> new Object[] {ttl, flag}));
    List<Long> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out.add(((Number) r.replies().get(i)).longValue());
    }
    return new Bumped(out, r.generation());
  }

  /**
   * Clears the namespace: increments its generation, which makes every key of the previous one
   * unreachable at once, then deletes the previous generation's keys by SCAN in the background
   * (tidying only; what it misses expires by TTL).
   *
   * @return the new generation
   */
  long clearAll() {
    long g = call(() -> redisson.getAtomicLong(generationKey).incrementAndGetAsync().toCompletableFuture());
    generation.accumulateAndGet(g, Math::max);
    generationSeen = true;
    long previous = g - 1;
    String pattern = "{" + namespacePrefix + "*}" + (previous == 0 ? "" : ":" + previous) + ":[dvl]";
    redisson.getKeys().deleteByPatternAsync(pattern).whenComplete((n, t) -> {
      if (t != null) {
        LOG.debug("tidying generation {} of '{}' failed; its keys expire by TTL", previous, namespacePrefix, t);
      }
    });
    return g;
  }

  /** Runs a batch under the current generation, again under the new one if it moved meanwhile. */
  private Batched inCurrentGeneration(BatchFill fill) {
    for (int attempt = 0; ; attempt++) {
      long g = generation.get();
      Batched r = batch(b -> fill.fill(b, g));
      if (sameGeneration(g, r.generation()) || attempt == 2) {
        if (attempt == 2 && r.generation() != g) {
          throw new UnavailableException(new IllegalStateException("generation kept moving"));
        }
        return r;
      }
    }
  }

  /** Whether Redis still holds {@code used}; if not, adopts what it holds and reports the move. */
  private boolean sameGeneration(long used, long seen) {
    boolean first = !generationSeen;
    generationSeen = true;
    if (seen == used) {
      return true;
    }
    if (generation.compareAndSet(used, seen) && !first) {
      onGenerationMoved.run();
    }
    return false;
  }

  private void evalInto(RBatch b, List<Keys> keys, long g, String script, RScript.ReturnType type,
      IntFunction<Object[]> args) {
    var rs = b.getScript(ByteArrayCodec.INSTANCE);
    for (int i = 0; i < keys.size(); i++) {
      Keys k = keys.get(i).at(g);
      rs.evalAsync(k.data(), RScript.Mode.READ_WRITE, script, type, k.asList(), args.apply(i));
    }
  }

  /**
   * One pipelined batch on one connection, ending with a read of the generation counter, so Redis
   * runs the read after the batch's commands (on one node; in a cluster the counter may live on
   * another node, and a command racing a clear can then slip by it, see INVALIDATION.md).
   */
  private Batched batch(Consumer<RBatch> fill) {
    return call(() -> {
      RBatch b = redisson.createBatch(BatchOptions.defaults());
      fill.accept(b);
      RFuture<Long> gen = b.getAtomicLong(generationKey).getAsync();
      return b.executeAsync().toCompletableFuture().thenApply((BatchResult<?> res) -> {
        List<?> replies = res.getResponses();
        return new Batched(replies.subList(0, replies.size() - 1), gen.toCompletableFuture().join());
      });
    });
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
