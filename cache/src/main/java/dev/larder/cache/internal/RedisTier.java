package dev.larder.cache.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
import org.redisson.client.RedisNoScriptException;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis tier: every call bounded by a timeout and guarded by its own circuit breaker, so a slow
 * or dead Redis degrades the cache to L1 + loader instead of failing callers.
 *
 * <p>Per caller key {@code q} (already namespaced) three keys share one hash slot: {@code {q}:d}
 * holds the {@link Envelope}, {@code {q}:v} the write version (bumped by every invalidation and
 * put) and {@code {q}:l} the load lease (a random token with a short expiry that its holder renews
 * while the load runs, see {@link LeaseRenewal}). A loader writes only if the version it read when
 * it took the lease is still current, checked by a Lua script at write time: an invalidation that
 * happens during a slow load wins over the load's older value.
 *
 * <p>Clear-all is a <em>generation</em>: one counter per namespace ({@code larder:gen:<prefix>}),
 * part of every key name ({@code {q}:d} in generation 0, {@code {q}:<n>:d} after the n-th clear). A
 * clear increments it, which makes every older key unreachable at once; a later SCAN only tidies.
 * Every value read, write and version bump is sent in one pipelined batch that ends with a read of
 * the counter, on one connection, so Redis runs it after them: a read or bump made under a
 * generation that has moved is redone under the new one, and a write is reported as refused (its
 * value sits in an unreachable key until its TTL). The counter lives in its own hash slot; the
 * per-key scripts still touch only keys of one slot (cluster-safe), the batch is merely pipelined.
 *
 * <p>Generations only grow, across restarts too: a new one is {@code max(old + 1, Redis TIME in
 * microseconds)}, so a number used before a restart is never used again after it (as long as the
 * server's clock does not step back by more than the restart took).
 *
 * <p><b>Restarts.</b> A Redis that restarts from a snapshot (RDB or AOF), or a replica promoted in
 * its place, holds a <em>prefix</em> of what clients were told: writes, version bumps and deletes
 * acknowledged after that point are gone, so an invalidated value can come back. The tier
 * remembers, next to the generation counter, the {@code run_id} of the server that last verified
 * the namespace ({@code {larder:gen:<prefix>}:run}, same hash slot as the counter). A check script
 * compares it with the server's own {@code run_id} ({@code INFO server}) and, when they differ,
 * starts a new generation: everything the old process held becomes unreachable at once. The check
 * runs at this instance's first Redis call, at the first call after any Redis failure (a restart is
 * one), and on the cache's tick ({@link #check()}), pipelined in front of the batch it guards.
 */
public final class RedisTier {
  private static final Logger LOG = LoggerFactory.getLogger(RedisTier.class);

  /** Version keys live at least this long; longer when values do (see the constructor). */
  static final long MIN_VERSION_TTL_MILLIS = TimeUnit.DAYS.toMillis(1);

  // Takes the lease if free and returns {acquired, version, data?} in the same round trip, so a
  // caller that lost the race for the lease sees a value written meanwhile without another GET.
  // Re-entrant for the same token: an acquire whose reply was lost (timeout) and is retried finds
  // the lease it already holds instead of waiting for itself.
  private static final String ACQUIRE =
      """
      local ok = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
      if ok == 0 and redis.call('GET', KEYS[3]) == ARGV[1] then ok = 1 end
      local v = redis.call('GET', KEYS[2]) or '0'
      local d = redis.call('GET', KEYS[1])
      if d then return {ok, v, d} end
      return {ok, v}\
      """;

  // Writes only under the version the load started with; releases the caller's lease either way.
  // A version key lives at least as long as the value written under it: were it to expire first,
  // versions would restart at 1 below the stored value's, and the L1 fence would compare wrongly.
  private static final String WRITE =
      """
      local v = redis.call('GET', KEYS[2]) or '0'
      local written = 0
      if v == ARGV[3] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]); written = 1
        if v ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end end
      if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
      return written\
      """;

  // A put in one step: bump the version and store the value under it, so no failure between two
  // calls can leave the old value readable under a new version. The envelope's version field
  // (8 bytes big-endian after magic, format and flags) is set here, to the bumped version.
  private static final String PUT =
      """
      local v = redis.call('INCR', KEYS[2])
      redis.call('PEXPIRE', KEYS[2], ARGV[3])
      local env = string.sub(ARGV[1], 1, 3) .. struct.pack('>i8', v) .. string.sub(ARGV[1], 12)
      redis.call('SET', KEYS[1], env, 'PX', ARGV[2])
      return v\
      """;

  // A new generation: max(old + 1, TIME in microseconds), so numbers never repeat across restarts.
  // Returns {old, new}.
  private static final String NEXT_GENERATION_LUA =
      """
      local t = redis.call('TIME')
      local old = tonumber(redis.call('GET', KEYS[1]) or '0')
      local new = math.max(old + 1, tonumber(t[1]) * 1000000 + tonumber(t[2]))
      redis.call('SET', KEYS[1], string.format('%d', new))
      """;

  // A clear-all fences everything the server holds, so a namespace it starts (no server run
  // recorded yet, e.g. a sourced gap at a consumer's first start) is verified by it: without the
  // run, the next instance's CHECK would take the generation for a restarted server's and move it
  // again, warning of a restart that never happened. A run already recorded is left for CHECK.
  private static final String CLEAR_ALL =
      NEXT_GENERATION_LUA
          + "if not redis.call('GET', KEYS[2]) then\n"
          + "  redis.call('SET', KEYS[2], string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'))\n"
          + "end\n"
          + "return {string.format('%d', old), string.format('%d', new)}";

  // Whether the server that holds the namespace is the one that last verified it. If not (a
  // restart, a failover), start a new generation. Returns {moved, old, new}.
  // A namespace with neither key was never used (or was flushed): nothing can predate anything.
  private static final String CHECK =
      "local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')\n"
          + "local seen = redis.call('GET', KEYS[2])\n"
          + "if seen == run then return {0, '0', '0'} end\n"
          + "if not seen and redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[2], run); return {0, '0', '0'} end\n"
          + NEXT_GENERATION_LUA
          + "redis.call('SET', KEYS[2], run)\n"
          + "return {1, string.format('%d', old), string.format('%d', new)}";

  // Extends the caller's lease while its load runs; 0 if the lease is no longer the caller's (it
  // lapsed and another instance took it, or an invalidation revoked it): never takes a lease.
  private static final String RENEW =
      "if redis.call('GET', KEYS[3]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[3], ARGV[2]) end\n"
          + "return 0";

  private static final String RELEASE =
      "if redis.call('GET', KEYS[3]) == ARGV[1] then return redis.call('DEL', KEYS[3]) end\n"
          + "return 0";

  // Bumps the version (fencing off loads in flight); invalidate also drops the value and revokes
  // the lease so the next reader loads at once instead of waiting for a fenced-off holder.
  private static final String BUMP =
      """
      local v = redis.call('INCR', KEYS[2])
      redis.call('PEXPIRE', KEYS[2], ARGV[1])
      if ARGV[2] == '1' then redis.call('DEL', KEYS[1], KEYS[3]) end
      return v\
      """;

  /** The scripts sent inside batches, where Redisson does not recover from NOSCRIPT itself. */
  private static final List<String> BATCH_SCRIPTS = List.of(CHECK, ACQUIRE, WRITE, BUMP, PUT);

  private final RedissonClient redisson;
  private final String namespacePrefix;
  private final String generationKey;
  private final String runKey;
  private final long versionTtlMillis;
  // False until a check has confirmed the server's run_id, and again after any failed call.
  private volatile boolean verified;
  private final Runnable onRestart;
  private final AtomicLong generation = new AtomicLong();
  // The first answer only tells a new instance where the namespace stands: nothing to clear then.
  private volatile boolean generationSeen;
  private final Runnable onGenerationMoved;
  private final CircuitBreaker breaker;
  private final AdaptiveTimeout timeout;
  private final CacheMetrics metrics;

  /**
   * Creates the tier.
   *
   * @param redisson the caller's client
   * @param breaker guards every call
   * @param timeout the most each call (or batch of pipelined calls) may take; calls wait less once
   *     Redis has answered fast (see {@link AdaptiveTimeout})
   * @param metrics where failures are counted
   * @param namespacePrefix the cache's key prefix (names its generation counter)
   * @param onGenerationMoved called when a call finds the generation moved by another instance's
   *     clear-all (so the caller clears its L1 even if the clear's message was lost)
   * @param onRestart called when this instance's check finds that the server restarted (or failed
   *     over) since the namespace was last verified, after it started a new generation
   * @param longestValueMillis the longest TTL a value of this namespace is stored with (version
   *     keys outlive it)
   */
  public RedisTier(
      RedissonClient redisson,
      CircuitBreaker breaker,
      Duration timeout,
      CacheMetrics metrics,
      String namespacePrefix,
      Runnable onGenerationMoved,
      Runnable onRestart,
      long longestValueMillis) {
    this.redisson = redisson;
    this.namespacePrefix = namespacePrefix;
    this.generationKey = "larder:gen:" + namespacePrefix;
    this.runKey = "{" + generationKey + "}:run";
    this.versionTtlMillis = Math.max(MIN_VERSION_TTL_MILLIS, longestValueMillis);
    this.onGenerationMoved = onGenerationMoved;
    this.onRestart = onRestart;
    this.breaker = breaker;
    this.timeout = new AdaptiveTimeout(timeout);
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
  @SuppressWarnings("ArrayRecordComponent") // a carrier of bytes, never compared or hashed
  record Acquired(boolean acquired, long version, byte @Nullable [] data, long generation) {}

  /** New versions after {@link #bumpAll}, all in {@code generation}. */
  record Bumped(List<Long> versions, long generation) {}

  /** Adds a call's commands to a batch, naming keys in generation {@code g}. */
  @FunctionalInterface
  private interface BatchFill {
    void fill(RBatch b, long g);
  }

  /**
   * Replies of a pipelined batch, the generation Redis held when the batch ended, and the run
   * check's reply when the batch carried one.
   */
  private record Batched(List<?> replies, long generation, @Nullable List<?> checked) {}

  /** The generation this instance last saw in Redis (0 before the first clear-all). */
  long generation() {
    return generation.get();
  }

  /** Whether a check confirmed the server since the last failed call (for tests). */
  boolean verified() {
    return verified;
  }

  /** Makes the next Redis call check the server's run_id first (e.g. after a reconnect). */
  void unverify() {
    verified = false;
  }

  /** Redis could not be used for this call: down, slow, or the breaker is open. */
  static final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnavailableException(Throwable cause) {
      super("redis unavailable: " + cause, cause, false, false);
    }

    /**
     * Whether the call was never sent because the breaker is open: Redis counts as down. Otherwise
     * the call failed or timed out, which on a busy host may be one slow answer, worth retrying.
     */
    boolean refused() {
      return getCause() instanceof CallNotPermittedException;
    }
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * Reads the data keys in the current generation (pipelined GETs, one bounded wait); absent keys
   * are missing from the map, which is keyed by qualified key.
   */
  @SuppressWarnings(
      "FutureReturnValueIgnored") // fire and forget by design: the batch or a lease release; a
  // failure is counted where the result is read
  Map<String, byte[]> get(List<Keys> keys) {
    Batched r =
        inCurrentGeneration(
            (b, g) -> {
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
    Batched r =
        inCurrentGeneration(
            (b, g) ->
                evalInto(
                    b,
                    keys,
                    g,
                    ACQUIRE,
                    RScript.ReturnType.MAPVALUELIST,
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
  List<Boolean> write(
      List<Keys> keys,
      List<byte[]> envelopes,
      List<Long> ttlMillis,
      List<Long> expectedVersions,
      @Nullable String token,
      long generation) {
    byte[] tok = bytes(token == null ? "" : token);
    byte[] versionTtl = bytes(Long.toString(versionTtlMillis));
    Batched r =
        batch(
            b ->
                evalInto(
                    b,
                    keys,
                    generation,
                    WRITE,
                    RScript.ReturnType.LONG,
                    i ->
                        new Object[] {
                          envelopes.get(i),
                          bytes(Long.toString(ttlMillis.get(i))),
                          bytes(Long.toString(expectedVersions.get(i))),
                          tok,
                          versionTtl
                        }));
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
      evalAll(
          keys.stream().map(k -> k.at(g)).toList(),
          RELEASE,
          RScript.ReturnType.LONG,
          i -> new Object[] {tok});
    } catch (UnavailableException e) {
      // The lease expires by itself; nothing else to do.
    }
  }

  /**
   * Extends leases held under {@code token} to {@code leaseMillis} from now, without waiting: the
   * calls are sent at once and their answers (or failure, counted by the breaker like any call's)
   * arrive on the returned future, so a slow answer never delays the next renewal. Refused at once
   * while the breaker is open: a holder that cannot reach Redis stops renewing and its lease
   * lapses.
   *
   * @param keys the leases' keys
   * @param token the holder's token
   * @param leaseMillis the new time to live
   * @param generation the generation the leases were taken in
   * @return per key, whether the lease is still the holder's
   */
  CompletableFuture<List<Boolean>> renew(
      List<Keys> keys, String token, long leaseMillis, long generation) {
    return evalAsync(keys, generation, RENEW, bytes(token), bytes(Long.toString(leaseMillis)))
        .thenApply(r -> r.stream().map(n -> n == 1L).toList());
  }

  /**
   * Gives back leases held under {@code token}, without waiting (for a caller whose budget is
   * spent); a failure only means the lease lapses by itself.
   *
   * @param keys the leases' keys
   * @param token the holder's token
   * @param generation the generation the leases were taken in
   */
  @SuppressWarnings(
      "FutureReturnValueIgnored") // fire and forget by design: the batch or a lease release; a
  // failure is counted where the result is read
  void releaseAsync(List<Keys> keys, String token, long generation) {
    if (!keys.isEmpty()) {
      evalAsync(keys, generation, RELEASE, bytes(token));
    }
  }

  /** One script per key, sent without waiting, bounded and counted like {@link #call}. */
  private CompletableFuture<List<Long>> evalAsync(
      List<Keys> keys, long generation, String script, Object... args) {
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              CallNotPermittedException.createCallNotPermittedException(breaker)));
    }
    // Real time on purpose, as in call().
    long start = System.nanoTime();
    CompletableFuture<List<Long>> all;
    try {
      RScript rs = redisson.getScript(ByteArrayCodec.INSTANCE);
      List<CompletableFuture<Object>> futures = new ArrayList<>(keys.size());
      for (Keys key : keys) {
        Keys k = key.at(generation);
        futures.add(
            rs.<Object>evalAsync(
                    k.data(),
                    RScript.Mode.READ_WRITE,
                    script,
                    RScript.ReturnType.LONG,
                    k.asList(),
                    args)
                .toCompletableFuture());
      }
      all =
          CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
              .thenApply(
                  v -> {
                    List<Long> out = new ArrayList<>(futures.size());
                    futures.forEach(f -> out.add(((Number) f.join()).longValue()));
                    return out;
                  });
    } catch (RuntimeException e) {
      all = CompletableFuture.failedFuture(e);
    }
    return all.orTimeout(timeout.nanos(), TimeUnit.NANOSECONDS)
        .handle(
            (r, t) -> {
              if (t == null) {
                succeeded(start);
                return r;
              }
              throw failed(
                  start,
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
            });
  }

  /**
   * Bumps each key's version in the current generation; with {@code drop}, also deletes its value
   * and revokes its lease. Pipelined, one bounded wait; redone in the new generation if a clear-all
   * moved it, so a load in the new generation is fenced too.
   *
   * @return the new versions, in order, and their generation
   */
  Bumped bumpAll(List<Keys> keys, boolean drop) {
    byte[] ttl = bytes(Long.toString(versionTtlMillis));
    byte[] flag = bytes(drop ? "1" : "0");
    Batched r =
        inCurrentGeneration(
            (b, g) ->
                evalInto(b, keys, g, BUMP, RScript.ReturnType.LONG, i -> new Object[] {ttl, flag}));
    List<Long> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out.add(((Number) r.replies().get(i)).longValue());
    }
    return new Bumped(out, r.generation());
  }

  /**
   * Stores a value as the key's newest version in one script: the version is bumped and the value
   * written under it together, so there is no state in which the old value sits under the new
   * version. Redone in the new generation if a clear-all moved it meanwhile.
   *
   * @param keys the key's Redis keys
   * @param envelope the encoded envelope (its version field is overwritten with the new version)
   * @param ttlMillis the value's TTL
   * @return the new version and its generation
   */
  Bumped put(Keys keys, byte[] envelope, long ttlMillis) {
    byte[] ttl = bytes(Long.toString(ttlMillis));
    byte[] versionTtl = bytes(Long.toString(versionTtlMillis));
    Batched r =
        inCurrentGeneration(
            (b, g) ->
                evalInto(
                    b,
                    List.of(keys),
                    g,
                    PUT,
                    RScript.ReturnType.LONG,
                    i -> new Object[] {envelope, ttl, versionTtl}));
    return new Bumped(List.of(((Number) r.replies().get(0)).longValue()), r.generation());
  }

  /**
   * Clears the namespace: starts a new generation, which makes every key of the previous one
   * unreachable at once, then deletes the previous generation's keys by SCAN in the background
   * (tidying only; what it misses expires by TTL).
   *
   * @return the new generation
   */
  long clearAll() {
    List<?> r =
        call(
            () ->
                redisson
                    .getScript(StringCodec.INSTANCE)
                    .<List<Object>>evalAsync(
                        generationKey,
                        RScript.Mode.READ_WRITE,
                        CLEAR_ALL,
                        RScript.ReturnType.LIST,
                        List.of(generationKey, runKey))
                    .toCompletableFuture());
    long old = parseLong(r.get(0));
    long g = parseLong(r.get(1));
    generation.accumulateAndGet(g, Math::max);
    generationSeen = true;
    tidy(old);
    return g;
  }

  /**
   * Checks now that the server is the one that last verified the namespace (starting a new
   * generation if not), and picks up a generation another instance moved. For the cache's tick.
   */
  void check() {
    verified = false;
    long g = generation.get();
    sameGeneration(g, batch(b -> {}).generation());
  }

  private void tidy(long previous) {
    String pattern =
        "{" + namespacePrefix + "*}" + (previous == 0 ? "" : ":" + previous) + ":[dvl]";
    redisson
        .getKeys()
        .deleteByPatternAsync(pattern)
        .whenComplete(
            (n, t) -> {
              if (t != null) {
                LOG.debug(
                    "tidying generation {} of '{}' failed; its keys expire by TTL",
                    previous,
                    namespacePrefix,
                    t);
              }
            });
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

  @SuppressWarnings(
      "FutureReturnValueIgnored") // fire and forget by design: the batch or a lease release; a
  // failure is counted where the result is read
  private void evalInto(
      RBatch b,
      List<Keys> keys,
      long g,
      String script,
      RScript.ReturnType type,
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
   * another node, and a command racing a clear can then slip by it, see INVALIDATION.md). While the
   * server is not verified, the batch starts with the run_id check, so no command of the batch is
   * answered from a restarted server's old data without the caller seeing the new generation.
   */
  private Batched batch(Consumer<RBatch> fill) {
    boolean checking = !verified;
    // Redisson sends scripts by hash; a restarted Redis (or SCRIPT FLUSH) has none, and a batch
    // that
    // meets NOSCRIPT fails as a whole without Redisson loading it. Load ours and run it once more,
    // within the same bounded wait, instead of failing every call until some path sends the text.
    Batched r =
        call(
            () ->
                runBatch(fill, checking)
                    .exceptionallyCompose(
                        t ->
                            noScript(t)
                                ? loadScripts().thenCompose(loaded -> runBatch(fill, checking))
                                : CompletableFuture.failedFuture(t)));
    if (r.checked() != null) {
      verified = true;
      if (parseLong(r.checked().get(0)) == 1L) {
        long old = parseLong(r.checked().get(1));
        long now = parseLong(r.checked().get(2));
        LOG.warn(
            "cache namespace '{}': Redis holds it under a new server run (restarted, restored from a snapshot or "
                + "failed over): anything it reloaded may predate acknowledged invalidations, so the namespace moved to a new "
                + "generation ({} -> {}) and this instance's L1 was cleared",
            namespacePrefix,
            old,
            now);
        onRestart.run();
        tidy(old);
      }
    }
    return r;
  }

  private CompletableFuture<Batched> runBatch(Consumer<RBatch> fill, boolean checking) {
    RBatch b = redisson.createBatch(BatchOptions.defaults());
    RFuture<List<Object>> check =
        checking
            ? b.getScript(StringCodec.INSTANCE)
                .evalAsync(
                    generationKey,
                    RScript.Mode.READ_WRITE,
                    CHECK,
                    RScript.ReturnType.LIST,
                    List.of(generationKey, runKey))
            : null;
    fill.accept(b);
    RFuture<Long> gen = b.getAtomicLong(generationKey).getAsync();
    return b.executeAsync()
        .toCompletableFuture()
        .thenApply(
            (BatchResult<?> res) -> {
              List<?> replies = res.getResponses();
              int from = checking ? 1 : 0;
              List<?> checked = check == null ? null : check.toCompletableFuture().join();
              return new Batched(
                  replies.subList(from, replies.size() - 1),
                  gen.toCompletableFuture().join(),
                  checked);
            });
  }

  /** Whether a failure is Redis saying it does not know a script's hash. */
  @SuppressWarnings("ReferenceEquality") // a cause chain that points at itself
  static boolean noScript(@Nullable Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof RedisNoScriptException
          || (c.getMessage() != null && c.getMessage().startsWith("NOSCRIPT"))) {
        return true;
      }
    }
    return false;
  }

  /** Loads every script a batch may send by hash (SCRIPT LOAD returns the hash Redisson uses). */
  private CompletableFuture<Void> loadScripts() {
    LOG.debug(
        "cache namespace '{}': Redis does not know our scripts (restarted or flushed); loading them",
        namespacePrefix);
    RScript s = redisson.getScript(StringCodec.INSTANCE);
    return CompletableFuture.allOf(
        BATCH_SCRIPTS.stream()
            .map(script -> s.scriptLoadAsync(script).toCompletableFuture())
            .toArray(CompletableFuture[]::new));
  }

  private List<Object> evalAll(
      List<Keys> keys, String script, RScript.ReturnType type, IntFunction<Object[]> args) {
    return call(
        () -> {
          RScript rs = redisson.getScript(ByteArrayCodec.INSTANCE);
          List<CompletableFuture<Object>> futures = new ArrayList<>(keys.size());
          for (int i = 0; i < keys.size(); i++) {
            Keys k = keys.get(i);
            futures.add(
                rs.<Object>evalAsync(
                        k.data(), RScript.Mode.READ_WRITE, script, type, k.asList(), args.apply(i))
                    .toCompletableFuture());
          }
          return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
              .thenApply(
                  v -> {
                    List<Object> out = new ArrayList<>(futures.size());
                    futures.forEach(f -> out.add(f.join()));
                    return Collections.unmodifiableList(out);
                  });
        });
  }

  private <T> T call(Supplier<CompletableFuture<T>> op) {
    if (!breaker.tryAcquirePermission()) {
      throw new UnavailableException(
          CallNotPermittedException.createCallNotPermittedException(breaker));
    }
    // Real time on purpose: this measures a real wait on the network, not a stored or decided time.
    long start = System.nanoTime();
    try {
      T result = op.get().get(timeout.nanos(), TimeUnit.NANOSECONDS);
      succeeded(start);
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      verified = false;
      breaker.releasePermission();
      throw new UnavailableException(e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw failed(
          start, e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
    }
  }

  /** Books a call that answered: its round trip feeds the timeout and the breaker. */
  private void succeeded(long startNanos) {
    long took = System.nanoTime() - startNanos;
    timeout.record(took);
    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
  }

  /** Books a call that failed and returns what to throw. */
  private UnavailableException failed(long startNanos, Throwable cause) {
    // A failure may be a restart: the next call checks the server before it trusts an answer.
    verified = false;
    breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, cause);
    metrics.redisFailure();
    LOG.debug("redis call failed", cause);
    return new UnavailableException(cause);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static long parseLong(@Nullable Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o instanceof String str) {
      return Long.parseLong(str);
    }
    if (o instanceof byte[] b) {
      return Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }
    throw new IllegalStateException("not a number in a Redis reply: " + o);
  }
}
