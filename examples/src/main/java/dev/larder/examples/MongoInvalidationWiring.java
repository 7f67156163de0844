package dev.larder.examples;

import com.mongodb.client.MongoCollection;
import dev.larder.cache.LarderCache;
import dev.larder.cache.SourcedInvalidation;
import dev.larder.core.InvalidationSource;
import dev.larder.core.KeyNamespace;
import dev.larder.mongo.CachedRepository;
import dev.larder.mongo.invalidation.ChangeMapper;
import dev.larder.mongo.invalidation.ChangeStreamSource;
import java.time.Duration;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.redisson.api.RedissonClient;

/**
 * A cached MongoDB repository that follows every edit (larder-mongo + larder-cache): reads go
 * through a two-tier cache (misses of many ids in one {@code $in} query, loads on the primary),
 * writes through the repository invalidate the entry in every instance, and a change stream
 * invalidates what other programs edit, keyed by the document's {@code _id} (an ObjectId as 24 hex
 * digits, the repository's key too).
 *
 * <p>Copy this class when a cache holds documents that this service and others edit. Add a {@code
 * ResumeTokenStore} and a consumer name so a restarted instance resumes where it stopped.
 */
public final class MongoInvalidationWiring {
  /** The review cache's name: its Redis prefix and the name the change mapper invalidates. */
  public static final String REVIEWS_CACHE = "reviews";

  private MongoInvalidationWiring() {}

  /**
   * This instance's review cache: documents stored as BSON, the invalidation channel on.
   *
   * @param redisson this instance's client
   * @param reviews the collection
   * @return the cache (close it on shutdown)
   */
  public static LarderCache<Document> reviewCache(
      RedissonClient redisson, MongoCollection<Document> reviews) {
    return LarderCache.newBuilder(CachedRepository.bsonCodec(reviews))
        .namespace(KeyNamespace.of(REVIEWS_CACHE, 1))
        .redisson(redisson)
        .ttl(Duration.ofMinutes(5))
        .invalidationBus(true)
        .build();
  }

  /**
   * The repository over the cache.
   *
   * @param reviews the collection
   * @param cache this instance's cache
   * @return the repository
   */
  public static CachedRepository<ObjectId, Document> reviewRepository(
      MongoCollection<Document> reviews, LarderCache<Document> cache) {
    return CachedRepository.builder(reviews, cache, d -> d.getObjectId("_id")).build();
  }

  /**
   * The change stream of the reviews collection as an invalidation source.
   *
   * @param reviews the collection
   * @param lookUpFullDocument true only where the server's update events lack {@code documentKey}'s
   *     {@code _id} (some stand-ins); it costs one lookup per update on a real server
   * @return the source (close it on shutdown)
   */
  public static InvalidationSource reviewChanges(
      MongoCollection<Document> reviews, boolean lookUpFullDocument) {
    return ChangeStreamSource.builder()
        .collection(reviews, ChangeMapper.idAsKey(REVIEWS_CACHE))
        .fullDocumentLookup(lookUpFullDocument)
        .maxAwaitTime(Duration.ofMillis(200))
        .build();
  }

  /**
   * Applies the source's events to the cache (in Redis, and over the channel in every instance).
   *
   * @param cache the cache
   * @param source the source
   * @return the binding (close it, then the source)
   * @throws InterruptedException if interrupted while waiting for the source to start reading
   * @throws dev.larder.core.LarderException if it did not start reading within 30 s
   */
  public static InvalidationSource.Subscription bind(
      LarderCache<?> cache, InvalidationSource source) throws InterruptedException {
    // Waits until the source reads: a change committed before that could miss a new consumer.
    return SourcedInvalidation.bind(cache, source, Duration.ofSeconds(30));
  }
}
