package dev.larder.mongo;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.UpdateResult;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.core.internal.Require;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinaryWriter;
import org.bson.codecs.Codec;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.EncoderContext;
import org.bson.conversions.Bson;
import org.bson.io.BasicOutputBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Cache-aside in front of one collection: a typed repository that reads through a {@link
 * LarderCache} (this JVM's L1, then Redis) and loads misses from MongoDB, and that invalidates a
 * document's cache entry whenever it writes it.
 *
 * <pre>{@code
 * MongoCollection<Order> orders = db.getCollection("orders", Order.class);
 * LarderCache<Order> cache = LarderCache.newBuilder(CachedRepository.bsonCodec(orders))
 *     .namespace(KeyNamespace.of("orders", 1)).redisson(redisson).build();
 * CachedRepository<String, Order> repo = CachedRepository.builder(orders, cache, Order::id).build();
 * Map<String, Order> some = repo.getAll(List.of("o1", "o2", "o3"));  // one $in query for the misses
 * repo.update("o1", Updates.set("status", "PAID"));                  // then invalidated everywhere
 * }</pre>
 *
 * <p>Guarantees and failure modes:
 *
 * <ul>
 *   <li><b>One query for many ids.</b> {@link #getAll} asks the cache for every id at once; the ids
 *       missing from both tiers are loaded with a single {@code find({_id: {$in: [...]}})}.
 *       Concurrent callers (in this JVM and, through the cache's leases, in others) join one load
 *       per id rather than each querying.
 *   <li><b>Loads read the primary</b> by default: a load that ran on a lagging secondary right
 *       after {@link #update} would put the old document back into the cache for a whole TTL.
 *       Choose another read preference with {@link Builder#loadReadPreference} only if that is
 *       acceptable.
 *   <li><b>Writes invalidate, even when they fail.</b> A write that throws may still have been
 *       applied (a lost reply), so the entry is invalidated either way and the failure then
 *       propagates unchanged. The cache's per-key versions stop a load that started before the
 *       write from storing its older value afterwards.
 *   <li><b>Absent documents</b> are remembered as absent for the cache's negative TTL.
 *   <li>When a load fails the cache may serve a stale value; with none, the cache's {@code
 *       StaleValueUnavailableException} is thrown (the driver's exception is its cause).
 * </ul>
 *
 * <p>Cache keys are {@code keyOf(id)} (default {@link String#valueOf}) inside the cache's own
 * namespace, so two ids must not share a string form. Writes made around this repository (another
 * service, the shell) are not seen until the entry expires, unless an invalidation source feeds the
 * cache. Thread-safe; owns neither the collection's client nor the cache.
 *
 * @param <I> the {@code _id} type
 * @param <T> the document type
 */
public final class CachedRepository<I, T> {
  private final MongoCollection<T> collection;
  private final MongoCollection<T> loads;
  private final LarderCache<T> cache;
  private final Function<? super T, ? extends I> idOf;
  private final Function<? super I, String> keyOf;

  private CachedRepository(Builder<I, T> b) {
    this.collection = b.collection;
    this.loads =
        b.collection.withReadPreference(
            b.loadReadPreference != null ? b.loadReadPreference : ReadPreference.primary());
    this.cache = b.cache;
    this.idOf = b.idOf;
    this.keyOf = b.keyOf != null ? b.keyOf : String::valueOf;
  }

  /**
   * Starts a builder.
   *
   * @param collection the collection (its codec registry must handle {@code T})
   * @param cache the cache in front of it; use a namespace of its own for this collection
   * @param idOf reads a document's {@code _id}, used to match the documents of a batched load to
   *     the ids asked for
   * @param <I> the {@code _id} type
   * @param <T> the document type
   * @return a new builder
   * @throws NullPointerException if an argument is null
   */
  public static <I, T> Builder<I, T> builder(
      MongoCollection<T> collection, LarderCache<T> cache, Function<? super T, ? extends I> idOf) {
    return new Builder<>(
        Require.notNull(collection, "collection"),
        Require.notNull(cache, "cache"),
        Require.notNull(idOf, "idOf"));
  }

  /**
   * A cache codec that stores documents as BSON, encoded and decoded by the collection's own codec,
   * so every BSON type (dates, decimals, longs, binary) survives the round trip through Redis.
   *
   * @param collection the collection whose document class and codec registry to use
   * @param <T> the document type
   * @return the codec
   * @throws org.bson.codecs.configuration.CodecConfigurationException if the registry has no codec
   *     for the document class
   */
  public static <T> CacheCodec<T> bsonCodec(MongoCollection<T> collection) {
    Require.notNull(collection, "collection");
    Codec<T> codec = collection.getCodecRegistry().get(collection.getDocumentClass());
    return CacheCodec.of(
        value -> {
          BasicOutputBuffer out = new BasicOutputBuffer();
          try (BsonBinaryWriter writer = new BsonBinaryWriter(out)) {
            codec.encode(writer, value, EncoderContext.builder().build());
          }
          return out.toByteArray();
        },
        bytes -> {
          try (BsonBinaryReader reader = new BsonBinaryReader(ByteBuffer.wrap(bytes))) {
            return codec.decode(reader, DecoderContext.builder().build());
          }
        });
  }

  /**
   * The document with this id: from the cache, else loaded with one {@code find} by {@code _id}.
   *
   * @param id the id
   * @return the document, or empty if there is none
   * @throws NullPointerException if the id is null
   * @throws dev.larder.cache.StaleValueUnavailableException if the load failed and nothing was
   *     cached
   */
  public Optional<T> get(I id) {
    Require.notNull(id, "id");
    return Optional.ofNullable(
        cache.get(
            keyOf.apply(id),
            key -> Optional.ofNullable(loads.find(Filters.eq("_id", id)).first())));
  }

  /**
   * The documents with these ids: the cached ones from the cache, the others with one {@code
   * find({_id: {$in: [...]}})}.
   *
   * @param ids the ids; duplicates are served once
   * @return the documents found, by id, in the order of {@code ids}; ids without a document are
   *     left out
   * @throws NullPointerException if the collection or an id is null
   * @throws dev.larder.cache.StaleValueUnavailableException if the load failed and an id had
   *     nothing cached
   */
  public Map<I, T> getAll(Collection<? extends I> ids) {
    Require.notNull(ids, "ids");
    Map<String, I> idByKey = new LinkedHashMap<>();
    for (I id : ids) {
      idByKey.put(keyOf.apply(Require.notNull(id, "id")), id);
    }
    if (idByKey.isEmpty()) {
      return Map.of();
    }
    Map<String, T> byKey = cache.getAll(idByKey.keySet(), keys -> load(keys, idByKey));
    Map<I, T> result = new LinkedHashMap<>();
    byKey.forEach((key, value) -> result.put(idByKey.get(key), value));
    return result;
  }

  private Map<String, T> load(Set<String> keys, Map<String, I> idByKey) {
    List<I> wanted = new ArrayList<>(keys.size());
    for (String key : keys) {
      wanted.add(idByKey.get(key));
    }
    Map<String, T> found = new HashMap<>();
    for (T doc : loads.find(Filters.in("_id", wanted))) {
      found.put(keyOf.apply(idOf.apply(doc)), doc);
    }
    return found;
  }

  /**
   * Applies an update to the document with this id, then invalidates its cache entry (in this JVM
   * and, through the cache's channel, in the others).
   *
   * @param id the id
   * @param update the update, e.g. {@code Updates.set("status", "PAID")}
   * @return the driver's result
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException the driver's failure, unchanged, after invalidating (a failed
   *     invalidation is attached as suppressed)
   * @throws dev.larder.cache.InvalidationPendingException if the write succeeded but Redis did not
   *     confirm the invalidation (the cache owes it and applies it once Redis answers)
   */
  public UpdateResult update(I id, Bson update) {
    Require.notNull(update, "update");
    return invalidatingAfter(id, () -> collection.updateOne(Filters.eq("_id", id), update));
  }

  /**
   * Replaces the document with this id, then invalidates its cache entry.
   *
   * @param id the id
   * @param replacement the new document
   * @return the driver's result
   * @throws NullPointerException if an argument is null
   * @throws RuntimeException the driver's failure, unchanged, after invalidating (a failed
   *     invalidation is attached as suppressed)
   * @throws dev.larder.cache.InvalidationPendingException if the write succeeded but Redis did not
   *     confirm the invalidation (the cache owes it and applies it once Redis answers)
   */
  public UpdateResult replace(I id, T replacement) {
    Require.notNull(replacement, "replacement");
    return invalidatingAfter(id, () -> collection.replaceOne(Filters.eq("_id", id), replacement));
  }

  /**
   * Deletes the document with this id, then invalidates its cache entry.
   *
   * @param id the id
   * @return the driver's result
   * @throws NullPointerException if the id is null
   * @throws RuntimeException the driver's failure, unchanged, after invalidating (a failed
   *     invalidation is attached as suppressed)
   * @throws dev.larder.cache.InvalidationPendingException if the write succeeded but Redis did not
   *     confirm the invalidation (the cache owes it and applies it once Redis answers)
   */
  public DeleteResult delete(I id) {
    return invalidatingAfter(id, () -> collection.deleteOne(Filters.eq("_id", id)));
  }

  /**
   * Drops the cache entry for this id, for writes made without this repository.
   *
   * @param id the id
   * @throws NullPointerException if the id is null
   * @throws dev.larder.cache.InvalidationPendingException if Redis did not confirm the invalidation
   */
  public void invalidate(I id) {
    cache.invalidate(keyOf.apply(Require.notNull(id, "id")));
  }

  /**
   * The collection writes go to (its own read preference), for operations this class does not wrap;
   * call {@link #invalidate} after writing through it.
   *
   * @return the collection
   */
  public MongoCollection<T> collection() {
    return collection;
  }

  private <R> R invalidatingAfter(I id, Supplier<R> write) {
    String key = keyOf.apply(Require.notNull(id, "id"));
    R result;
    try {
      result = write.get();
    } catch (RuntimeException | Error failed) {
      // The write may have happened before it failed: invalidate anyway, and keep the write's
      // failure.
      try {
        cache.invalidate(key);
      } catch (RuntimeException pending) {
        failed.addSuppressed(pending);
      }
      throw failed;
    }
    cache.invalidate(
        key); // may throw InvalidationPendingException: the write happened, the cache half is owed
    return result;
  }

  /**
   * Builds a {@link CachedRepository}. Each setting may be given once: a repeated setting fails
   * with {@link IllegalStateException} naming the value set earlier.
   *
   * <p>Not thread-safe; the repository it builds is.
   *
   * @param <I> the {@code _id} type
   * @param <T> the document type
   */
  public static final class Builder<I, T> {
    private final MongoCollection<T> collection;
    private final LarderCache<T> cache;
    private final Function<? super T, ? extends I> idOf;
    private @Nullable Function<? super I, String> keyOf;
    private @Nullable ReadPreference loadReadPreference;

    private Builder(
        MongoCollection<T> collection,
        LarderCache<T> cache,
        Function<? super T, ? extends I> idOf) {
      this.collection = collection;
      this.cache = cache;
      this.idOf = idOf;
    }

    /**
     * How an id becomes a cache key (default {@link String#valueOf}); it must be one-to-one and
     * give keys the cache accepts (non-empty, no control characters).
     *
     * @param keyOf the key function
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<I, T> keyOf(Function<? super I, String> keyOf) {
      Require.notYetSet(this.keyOf, "keyOf");
      this.keyOf = Require.notNull(keyOf, "keyOf");
      return this;
    }

    /**
     * The read preference of cache loads (default primary; see the class documentation for why).
     *
     * @param preference the read preference
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder<I, T> loadReadPreference(ReadPreference preference) {
      Require.notYetSet(this.loadReadPreference, "loadReadPreference");
      this.loadReadPreference = Require.notNull(preference, "loadReadPreference");
      return this;
    }

    /**
     * Builds the repository.
     *
     * @return the repository
     */
    public CachedRepository<I, T> build() {
      return new CachedRepository<>(this);
    }
  }
}
