package dev.larder.cache;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Collection;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A two-tier cache-aside: this JVM's Caffeine cache (L1) in front of a shared Redis (L2) in front
 * of the caller's loader.
 *
 * <pre>{@code
 * LarderCache<String> names = LarderCache.newBuilder(CacheCodec.utf8())
 *     .namespace(KeyNamespace.of("names", 1)).redisson(redisson)
 *     .ttl(Duration.ofMinutes(5)).maxStale(Duration.ofHours(1)).build();
 * // The loader returns Optional<String>: empty says there is no such key (get then returns null).
 * String name = names.get("user:42", key -> userDao.findName(key));
 * // A loader that answers null for "no such key" instead:
 * String nick = names.get("nick:42", CacheLoader.ofNullable(userDao::findNickOrNull));
 * }</pre>
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li><b>One load per key at a time.</b> Concurrent callers in one JVM join one in-flight load
 *       (futures, no I/O under a lock); across JVMs a per-key lease in Redis lets one instance load
 *       while the others wait for its value, up to {@code lockWait} (by default their whole
 *       budget). The holder renews its lease every third of {@code lockLease} while its load runs,
 *       so a healthy holder keeps it however long the load takes, through a failed renewal or a
 *       pause of up to two thirds of {@code lockLease} (2 s with the default 3 s).
 *   <li><b>A holder that gives up hands over at once.</b> When the holder's load fails or its
 *       caller's {@code loadTimeout} ends, it gives the lease back and a waiter on another instance
 *       takes it (and loads) at its next look, within {@code lockPollInterval} plus one Redis round
 *       trip. When the holder can no longer reach Redis (its Redis breaker open, its connection
 *       cut, its process dead or paused) it stops renewing, and a waiter takes over within {@code
 *       lockLease + lockPollInterval} plus one Redis round trip of the holder's last renewal (3 s
 *       and a little with the defaults) instead of waiting out {@code lockWait}.
 *   <li><b>A caller's wait is bounded.</b> Every read returns within {@code loadTimeout}, plus at
 *       most one {@code redisTimeout} for a Redis call under way when it passes, with a value, the
 *       stale fallback or {@link StaleValueUnavailableException}, however many loads or refreshes
 *       hang. The loader never runs on the caller's thread: when every loader thread is busy a load
 *       is refused at once (the cause is a {@link
 *       java.util.concurrent.RejectedExecutionException}).
 *   <li><b>Hot keys do not expire under load.</b> A hit may trigger one background refresh before
 *       expiry with probability rising as expiry nears (XFetch, scaled by the last load's
 *       duration), and keys {@linkplain #markHot marked hot} are refreshed ahead of expiry.
 *   <li><b>Stale on failure.</b> After its TTL an entry stays in Redis for {@code maxStale}; if a
 *       load fails, times out, or the loader's circuit breaker is open (then the loader is not
 *       called), that value is served, marked {@linkplain CacheResult#isStale() stale} with its
 *       age. With nothing to fall back on, {@link StaleValueUnavailableException} is thrown.
 *   <li><b>Redis is optional at run time.</b> Every Redis call has a timeout and a circuit breaker;
 *       when Redis is down or hung the cache serves from L1 and the loader without throwing, and
 *       uses Redis again once it answers.
 *   <li><b>No poisoned entries.</b> A value the codec cannot encode, or that is larger than {@code
 *       maxValueBytes}, is returned to the caller but stored in neither tier; an L2 entry that
 *       cannot be decoded is treated as a miss, overwritten by the next load, and counted.
 *   <li><b>Invalidation wins over slow loads.</b> Every L2 write is made under a per-key version
 *       checked atomically in Redis; {@link #invalidate} and {@link #put} bump it, so a load that
 *       started earlier cannot write its older value afterwards.
 *   <li><b>No write is silently half done.</b> {@link #put}, {@link #writeThrough}, {@link
 *       #invalidate} and {@link #invalidateAll} either reach Redis or throw {@link
 *       InvalidationPendingException}; then the cache owes the fence and applies it as soon as
 *       Redis answers, before this instance reads Redis again.
 *   <li><b>A Redis restart does not revive invalidated values.</b> A Redis that restarted from a
 *       snapshot or failed over (a new server {@code run_id}) gets a new namespace generation at
 *       once, so nothing it reloaded is served.
 * </ul>
 *
 * <p>Keys are non-empty strings without control characters; the namespace limits their length.
 * Implementations are thread-safe.
 *
 * @param <V> the value type
 */
public interface LarderCache<V> extends AutoCloseable {

  /**
   * Starts a builder.
   *
   * @param codec turns values into bytes for Redis
   * @param <V> the value type
   * @return a new builder
   * @throws NullPointerException if {@code codec} is null
   */
  static <V> LarderCacheBuilder<V> newBuilder(CacheCodec<V> codec) {
    return new LarderCacheBuilder<>(codec);
  }

  /**
   * The cache's name (its namespace's name), used in metrics and logs.
   *
   * @return the name
   */
  String name();

  /**
   * Returns the value for a key, loading it on a miss.
   *
   * @param key the key
   * @param loader called at most once per key across concurrent callers (see class doc); it returns
   *     an {@link java.util.Optional}, empty when the key does not exist (wrap a loader that
   *     answers {@code null} instead with {@link CacheLoader#ofNullable})
   * @return the value, possibly a stale fallback; {@code null} if the loader said the key does not
   *     exist (that answer is cached for the negative TTL)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key is empty, has control characters or is too long
   * @throws StaleValueUnavailableException if the load failed and no stale value was cached
   */
  @Nullable V get(String key, CacheLoader<V> loader);

  /**
   * Like {@link #get}, but says where the value came from, how old it is and whether it is stale.
   *
   * @param key the key
   * @param loader the loader
   * @return the result
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key is invalid
   * @throws StaleValueUnavailableException if the load failed and no stale value was cached
   */
  CacheResult<V> lookup(String key, CacheLoader<V> loader);

  /**
   * Returns the values for many keys: L1 first, then one batched Redis read for the rest, then one
   * batched load for the keys still missing. Keys another instance is loading at that moment are
   * waited for (up to {@code lockWait}); only if that instance gives up without a value are they
   * loaded here, in a further batch. Duplicate keys are served once.
   *
   * @param keys the keys
   * @param loader loads the missing keys in one call
   * @return the values found, by key, in the order given; keys that do not exist are left out
   * @throws NullPointerException if an argument or a key is null
   * @throws IllegalArgumentException if a key is invalid
   * @throws StaleValueUnavailableException for the first key whose load failed with no stale value
   */
  Map<String, V> getAll(Collection<String> keys, BatchLoader<V> loader);

  /**
   * Like {@link #getAll}, with a {@link CacheResult} per key (absent keys included).
   *
   * @param keys the keys
   * @param loader loads the missing keys in one call
   * @return a result for every distinct key, in the order given
   * @throws NullPointerException if an argument or a key is null
   * @throws IllegalArgumentException if a key is invalid
   * @throws StaleValueUnavailableException for the first key whose load failed with no stale value
   */
  Map<String, CacheResult<V>> lookupAll(Collection<String> keys, BatchLoader<V> loader);

  /**
   * Stores a value in both tiers as the key's newest version: a load that started before this call
   * cannot overwrite it. The version bump and the write are one Redis script, so no failure leaves
   * the old value readable under the new version.
   *
   * @param key the key
   * @param value the value
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key is invalid or the encoded value is larger than
   *     {@code maxValueBytes}
   * @throws CacheCodecException if the codec cannot encode the value
   * @throws InvalidationPendingException if Redis did not confirm the write: this JVM serves the
   *     new value, the cache deletes the old one from Redis once Redis answers, and other instances
   *     may read the old value from Redis until then
   * @throws IllegalStateException if the cache is closed
   */
  void put(String key, V value);

  /**
   * Runs a write against the system of record and, if it succeeds, {@linkplain #put puts} the value
   * it returns, in the same call. If the write throws, nothing is cached and the exception
   * propagates unchanged. If caching the result fails (codec, size), the key is invalidated instead
   * so no stale copy survives. If Redis does not confirm, {@link InvalidationPendingException} is
   * thrown <em>after</em> the write has succeeded: only the cache half is pending.
   *
   * @param key the key
   * @param write performs the write and returns the new value
   * @param <E> what the write may throw
   * @return the value the write returned
   * @throws E if the write failed
   * @throws NullPointerException if an argument or the write's result is null
   * @throws InvalidationPendingException if the write succeeded but Redis did not confirm the cache
   *     half (see {@link #put})
   */
  <E extends Exception> V writeThrough(String key, Write<? extends V, E> write) throws E;

  /**
   * Removes a key from both tiers and bumps its version in Redis, so a load in flight when this is
   * called cannot write its older value afterwards (in Redis or in any instance's L1), and revokes
   * any load lease; then tells every other instance, over the cache's invalidation channel, to drop
   * the key from its L1, and returns once Redis has taken that message (bounded by {@code
   * redisTimeout}). Messages are at most once: an instance that may have missed one clears its L1
   * (see {@code INVALIDATION.md} for the bound).
   *
   * <p>If Redis is unavailable (down, slower than {@code redisTimeout}, or the cache's Redis
   * breaker open), this JVM's L1 drops the key, the cache records that it owes Redis the fence and
   * applies it as soon as Redis answers (on its tick, and before this instance reads Redis again),
   * and the caller gets {@link InvalidationPendingException}. The debt lives in this JVM: a caller
   * that must not lose the invalidation if the process stops first retries it.
   *
   * @param key the key
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is invalid
   * @throws InvalidationPendingException if Redis did not confirm the invalidation
   * @throws IllegalStateException if the cache is closed
   */
  void invalidate(String key);

  /**
   * {@link #invalidate(String) Invalidates} many keys at once: one pipelined round of version bumps
   * in Redis and one message to the other instances. Duplicates are invalidated once; an empty
   * collection does nothing.
   *
   * @param keys the keys
   * @throws NullPointerException if the collection or a key is null
   * @throws IllegalArgumentException if a key is invalid (then nothing is invalidated)
   * @throws InvalidationPendingException if Redis did not confirm (see {@link #invalidate})
   * @throws IllegalStateException if the cache is closed
   */
  void invalidateAll(Collection<String> keys);

  /**
   * Clears the whole cache: this JVM's L1, the namespace in Redis, and (through the invalidation
   * channel) every other instance's L1.
   *
   * <p>In Redis the clear is one increment of the namespace's generation, which is part of every
   * key name: once this method returns, no instance reads a value written before the clear from
   * Redis (the old keys are unreachable at once and deleted in the background), and a load that
   * started before the clear, on any instance, has its value refused in Redis and kept out of L1.
   * Another instance's L1 may serve pre-clear values until the clear's message reaches it
   * (milliseconds), or, if the message is lost, until its next Redis call sees the new generation,
   * a gap is detected, or {@code l1Ttl} passes (see INVALIDATION.md for the bound).
   *
   * <p>If Redis cannot be reached (down, slow, or the cache's Redis breaker open) this JVM's L1 is
   * cleared, the cache owes the clear and makes it (a new generation, published to the others) as
   * soon as Redis answers, and {@link InvalidationPendingException} is thrown. Until then other
   * instances may read old values from Redis.
   *
   * @throws InvalidationPendingException if Redis did not confirm the clear
   * @throws IllegalStateException if the cache is closed
   */
  void invalidateAll();

  /**
   * Marks a key hot: it is refreshed in the background shortly before it expires (the refresh-ahead
   * window) for as long as it stays marked, whether or not it is read.
   *
   * @param key the key
   * @param loader loads it
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key is invalid
   */
  void markHot(String key, CacheLoader<V> loader);

  /**
   * Stops refreshing a key ahead of expiry.
   *
   * @param key the key
   */
  void unmarkHot(String key);

  /**
   * Loads a key set into both tiers in batches, at most {@code parallelism} batches at a time,
   * through {@link #lookupAll} (so keys already cached are not reloaded and concurrent readers
   * join).
   *
   * @param keys the keys to warm
   * @param loader loads one batch
   * @param batchSize keys per batch, {@code > 0}
   * @param parallelism batches in flight at once, {@code > 0}
   * @param progress called after each batch, from the thread that ran it
   * @return the final progress
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a size is not positive or a key is invalid
   */
  WarmupProgress warm(
      Collection<String> keys,
      BatchLoader<V> loader,
      int batchSize,
      int parallelism,
      Consumer<WarmupProgress> progress);

  /**
   * The breaker guarding the loader; observe it or force it with resilience4j's own API.
   *
   * @return the loader breaker
   */
  CircuitBreaker loaderCircuitBreaker();

  /**
   * The breaker guarding Redis calls.
   *
   * @return the Redis breaker
   */
  CircuitBreaker redisCircuitBreaker();

  /**
   * Stops background work and gives back what the cache took: its threads, its subscription to the
   * invalidation channel (waiting up to {@code redisTimeout} for Redis to confirm), and what it
   * registered on a circuit breaker it was given. Callers waiting on another caller's load in this
   * JVM get an {@link IllegalStateException} at once (the caller leading the load waits for its
   * loader within its budget, as before); so does every later call. Fences still owed to Redis are
   * tried once more and, if Redis does not answer, lost (logged and counted as {@code
   * fences{result=lost}}). The Redisson client is the caller's. Idempotent.
   */
  @Override
  void close();

  /**
   * A write against the system of record that returns the new value.
   *
   * @param <V> the value type
   * @param <E> what the write may throw
   */
  @FunctionalInterface
  interface Write<V, E extends Exception> {
    /**
     * Performs the write.
     *
     * @return the value now stored, never null
     * @throws E if the write failed
     */
    V write() throws E;
  }
}
