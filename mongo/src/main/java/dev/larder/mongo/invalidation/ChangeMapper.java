package dev.larder.mongo.invalidation;

import dev.larder.core.internal.Require;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Decimal128;
import org.jspecify.annotations.Nullable;

/**
 * Maps a changed document's {@code _id} to the cache entry it backs, and names the caches to clear
 * when the whole collection goes (drop, rename, a stream invalidation) or a change cannot be
 * mapped.
 *
 * <p>Only the {@code _id} is offered, on purpose: it is the one field every change event carries
 * (deletes have no document, and updates carry the full document only at the price of an extra
 * lookup). Implementations must be fast, must not throw, and must be thread-safe (a mapper may be
 * shared by several sources, each calling it on its own reader thread). The mappers made here are
 * immutable and thread-safe, given a thread-safe {@code render} function.
 */
public interface ChangeMapper {

  /**
   * The entry to invalidate for a changed document.
   *
   * @param id the document's {@code _id}
   * @return the entry, or {@code null} to ignore the change
   */
  @Nullable CacheKey map(BsonValue id);

  /**
   * The caches this mapper feeds, cleared whole when the collection is dropped or renamed, the
   * stream is invalidated, or an event carries no usable {@code _id}.
   *
   * @return the cache names, at least one
   */
  Set<String> cacheNames();

  /**
   * One cache keyed by {@link #renderId(BsonValue)} of the {@code _id}: an ObjectId as its 24 hex
   * digits, a string as itself, integers in decimal, a standard UUID in canonical form, anything
   * else as relaxed Extended JSON.
   *
   * @param cacheName the cache
   * @return the mapper
   * @throws IllegalArgumentException if {@code cacheName} is blank
   */
  static ChangeMapper idAsKey(String cacheName) {
    return idAsKey(cacheName, ChangeMapper::renderId);
  }

  /**
   * One cache keyed by the caller's rendering of the {@code _id}.
   *
   * @param cacheName the cache
   * @param render turns an {@code _id} into the key the application caches under; returning {@code
   *     null} or an empty string ignores the change
   * @return the mapper
   * @throws IllegalArgumentException if {@code cacheName} is blank
   */
  static ChangeMapper idAsKey(String cacheName, Function<BsonValue, @Nullable String> render) {
    Require.notNull(cacheName, "cacheName");
    Require.notNull(render, "render");
    if (cacheName.isBlank()) {
      throw new IllegalArgumentException("cacheName must not be blank but was '" + cacheName + "'");
    }
    Set<String> names = Set.of(cacheName);
    return new ChangeMapper() {
      @Override
      public @Nullable CacheKey map(BsonValue id) {
        String key = render.apply(id);
        return key == null || key.isEmpty() ? null : new CacheKey(cacheName, key);
      }

      @Override
      public Set<String> cacheNames() {
        return names;
      }

      @Override
      public String toString() {
        return "idAsKey(" + cacheName + ")";
      }
    };
  }

  /**
   * The default rendering of an {@code _id} as a cache key (see {@link #idAsKey(String)}).
   *
   * @param id the {@code _id}
   * @return its key form, never empty for a non-empty id
   */
  static String renderId(BsonValue id) {
    Require.notNull(id, "id");
    switch (id.getBsonType()) {
      case OBJECT_ID -> {
        return id.asObjectId().getValue().toHexString();
      }
      case STRING -> {
        return id.asString().getValue();
      }
      case INT32 -> {
        return Integer.toString(id.asInt32().getValue());
      }
      case INT64 -> {
        return Long.toString(id.asInt64().getValue());
      }
      case DECIMAL128 -> {
        Decimal128 d = id.asDecimal128().getValue();
        return d.toString();
      }
      case BINARY -> {
        if (id.asBinary().getType() == BsonBinarySubType.UUID_STANDARD.getValue()) {
          UUID uuid = id.asBinary().asUuid();
          return uuid.toString();
        }
      }
      default -> {}
    }
    String json =
        new BsonDocument("_id", id)
            .toJson(JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build());
    // {"_id": <value>} -> <value>
    return json.substring(json.indexOf(':') + 1, json.length() - 1).trim();
  }
}
