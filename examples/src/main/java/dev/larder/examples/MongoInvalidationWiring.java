package dev.larder.examples;

import com.mongodb.client.MongoCollection;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import dev.larder.cache.SourcedInvalidation;
import dev.larder.core.InvalidationSource;
import dev.larder.core.KeyNamespace;
import dev.larder.mongo.invalidation.ChangeMapper;
import dev.larder.mongo.invalidation.ChangeStreamSource;
import java.time.Duration;
import org.bson.Document;
import org.redisson.api.RedissonClient;

/**
 * MongoDB-driven invalidation (larder-mongo change streams + larder-cache): every insert, update,
 * replace and delete in the watched collection invalidates the cache entry keyed by the document's
 * {@code _id} (an ObjectId as 24 hex digits), in Redis and, over the cache's channel, in every
 * instance, without the writer calling the cache.
 *
 * <p>Copy this class when a cache holds documents other programs edit. Add a
 * {@code ResumeTokenStore} and a consumer name so a restarted instance resumes where it stopped.
 */
public final class MongoInvalidationWiring {
  /** The review cache's name, also the name the change mapper invalidates. */
  public static final String REVIEWS_CACHE = "reviews";

  private MongoInvalidationWiring() {}

  /**
   * A cache of review texts by review id, with the invalidation channel on.
   *
   * @param redisson this instance's client
   * @return the cache
   */
  public static LarderCache<String> reviewTextCache(RedissonClient redisson) {
    return LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of(REVIEWS_CACHE, 1))
        .redisson(redisson)
        .ttl(Duration.ofMinutes(5))
        .invalidationBus(true)
        .build();
  }

  /**
   * The change stream of the reviews collection as an invalidation source.
   *
   * @param reviews the collection
   * @param lookUpFullDocument true only where the server's update events lack {@code documentKey}'s
   *     {@code _id} (the in-process stand-in); it costs one lookup per update on a real server
   * @return the source (close it on shutdown)
   */
  public static InvalidationSource reviewChanges(MongoCollection<Document> reviews, boolean lookUpFullDocument) {
    return ChangeStreamSource.builder()
        .collection(reviews, ChangeMapper.idAsKey(REVIEWS_CACHE))
        .fullDocumentLookup(lookUpFullDocument)
        .maxAwaitTime(Duration.ofMillis(200))
        .build();
  }

  /**
   * Applies the source's events to the cache.
   *
   * @param cache the cache
   * @param source the source
   * @return the binding (close it, then the source)
   */
  public static InvalidationSource.Subscription bind(LarderCache<?> cache, InvalidationSource source) {
    return SourcedInvalidation.bind(cache, source);
  }
}
