package dev.larder.mongo.invalidation;

import com.mongodb.MongoNamespace;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import dev.larder.core.InvalidationEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one change event into invalidation events. Pure: no I/O, so every branch is unit-tested on
 * driver-decoded {@link ChangeStreamDocument}s shaped as a real server sends them.
 *
 * <p>Rules: a document change (insert, update, replace, delete) invalidates the key its mapper
 * gives for the {@code _id}; when the event carries no usable {@code _id} the mapper's caches are
 * cleared whole (never a silent miss). A drop or rename of a watched collection, a dropped
 * database, or a stream invalidation clears the affected caches whole. Everything else (index
 * builds, collection creation, unknown types) is ignored: it changes no document.
 */
final class ChangeTranslator {
  private static final Logger log = LoggerFactory.getLogger(ChangeStreamSource.class);

  /** What the reader must do after an event besides delivering the events. */
  enum Next {
    CONTINUE,
    /**
     * The server closed the stream (after a drop, rename or dropDatabase): reopen with startAfter.
     */
    REOPEN_AFTER_INVALIDATE
  }

  record Result(List<InvalidationEvent> events, Next next) {}

  private final String origin;
  private final @Nullable String collection;
  private final Map<String, ChangeMapper> routes;

  /**
   * @param collection the watched collection's name for a collection stream; {@code null} for a
   *     database stream, where {@code routes} picks the mapper by collection name
   */
  ChangeTranslator(String origin, @Nullable String collection, Map<String, ChangeMapper> routes) {
    this.origin = origin;
    this.collection = collection;
    this.routes = Map.copyOf(routes);
  }

  Result translate(ChangeStreamDocument<BsonDocument> change, Instant now) {
    Instant at = occurredAt(change, now);
    String position = position(change.getResumeToken());
    String type = change.getOperationTypeString();
    if (type == null) {
      type = "";
    }
    switch (type) {
      case "insert", "update", "replace", "delete" -> {
        ChangeMapper mapper = mapperFor(change.getNamespace());
        if (mapper == null) {
          return new Result(List.of(), Next.CONTINUE);
        }
        BsonValue id = idOf(change);
        if (id == null) {
          return new Result(clearAll(mapper.cacheNames(), at, position), Next.CONTINUE);
        }
        CacheKey key;
        try {
          key = mapper.map(id);
        } catch (RuntimeException e) {
          // A mapper bug must not stall the stream on one event (a reopen would replay it
          // forever); clearing is the safe answer for a change we cannot place.
          log.warn(
              "{}: mapper {} failed on _id of a {} event; clearing its caches",
              origin,
              mapper,
              type,
              e);
          return new Result(clearAll(mapper.cacheNames(), at, position), Next.CONTINUE);
        }
        if (key == null) {
          return new Result(List.of(), Next.CONTINUE);
        }
        return new Result(
            List.of(
                withPosition(
                    InvalidationEvent.ofKeys(key.cacheName(), List.of(key.key()), origin, at),
                    position)),
            Next.CONTINUE);
      }
      case "drop", "rename" -> {
        ChangeMapper mapper = mapperFor(change.getNamespace());
        Set<String> caches = new LinkedHashSet<>();
        if (mapper != null) {
          caches.addAll(mapper.cacheNames());
        }
        // A rename onto a watched collection replaces its documents too.
        ChangeMapper target =
            collection == null ? mapperFor(change.getDestinationNamespace()) : null;
        if (target != null) {
          caches.addAll(target.cacheNames());
        }
        return new Result(clearAll(caches, at, position), Next.CONTINUE);
      }
      case "dropDatabase" -> {
        // The server follows it with an invalidate, which reopens the stream.
        return new Result(clearAll(allCaches(), at, position), Next.CONTINUE);
      }
      case "invalidate" -> {
        return new Result(clearAll(allCaches(), at, position), Next.REOPEN_AFTER_INVALIDATE);
      }
      default -> {
        return new Result(List.of(), Next.CONTINUE);
      }
    }
  }

  Set<String> allCaches() {
    Set<String> caches = new LinkedHashSet<>();
    routes.values().forEach(m -> caches.addAll(m.cacheNames()));
    return caches;
  }

  private @Nullable ChangeMapper mapperFor(@Nullable MongoNamespace namespace) {
    if (collection != null) {
      // A collection stream only ever carries its own collection's events; some servers (and
      // the in-process stand-in) leave the namespace out, so it is not required.
      return routes.get(collection);
    }
    return namespace == null ? null : routes.get(namespace.getCollectionName());
  }

  /**
   * The changed document's {@code _id}: from {@code documentKey} (always there on a real server),
   * else from the looked-up full document.
   */
  static @Nullable BsonValue idOf(ChangeStreamDocument<BsonDocument> change) {
    BsonDocument key = change.getDocumentKey();
    if (key != null && key.containsKey("_id")) {
      return key.get("_id");
    }
    BsonDocument full = change.getFullDocument();
    if (full != null && full.containsKey("_id")) {
      return full.get("_id");
    }
    return null;
  }

  private static Instant occurredAt(ChangeStreamDocument<BsonDocument> change, Instant now) {
    if (change.getWallTime() != null) {
      return Instant.ofEpochMilli(change.getWallTime().getValue());
    }
    BsonTimestamp clusterTime = change.getClusterTime();
    if (clusterTime != null && clusterTime.getTime() > 0) {
      return Instant.ofEpochSecond(clusterTime.getTime());
    }
    return now;
  }

  /** The token's {@code _data} where it has one (every server since 4.2), else its JSON. */
  static @Nullable String position(@Nullable BsonDocument token) {
    if (token == null) {
      return null;
    }
    BsonValue data = token.get("_data");
    return data != null && data.isString() ? data.asString().getValue() : token.toJson();
  }

  private List<InvalidationEvent> clearAll(
      Set<String> caches, Instant at, @Nullable String position) {
    List<InvalidationEvent> events = new ArrayList<>(caches.size());
    for (String cache : caches) {
      events.add(withPosition(InvalidationEvent.ofAll(cache, origin, at), position));
    }
    return events;
  }

  private static InvalidationEvent withPosition(
      InvalidationEvent event, @Nullable String position) {
    return position == null ? event : event.withPosition(position);
  }
}
