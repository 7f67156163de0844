package dev.larder.mongo.invalidation;

import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import dev.larder.core.InvalidationSource;
import dev.larder.core.InvalidationSourceBuilder;
import dev.larder.core.ReconnectBackoff;
import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bson.BsonDocument;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link InvalidationSource} from a MongoDB change stream: every insert, update, replace
 * and delete of a watched collection invalidates the cache key its {@link ChangeMapper} gives for
 * the document's {@code _id}, so caches follow the database without the writer calling {@code
 * invalidate} itself.
 *
 * <pre>{@code
 * InvalidationSource source = ChangeStreamSource.builder()
 *     .collection(db.getCollection("products"), ChangeMapper.idAsKey("products"))
 *     .consumerName("web-" + instanceId)
 *     .tokenStore(ResumeTokenStore.collection(db.getCollection("larder_resume_tokens")))
 *     .build();
 * source.subscribe(cacheInvalidationListener);                  // starts the reader thread
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Only committed, majority-visible changes.</b> That is what a change stream returns (a
 *       real replica set; the in-process stand-in has no replication and no transactions).
 *   <li><b>Nothing lost across reconnects and restarts.</b> The last resume token is kept in memory
 *       and, with a {@link ResumeTokenStore}, saved after every batch; a reopened stream (after a
 *       network failure or server restart) or a restarted process resumes after it with {@code
 *       resumeAfter}, and after an invalidate (the collection was dropped or renamed) with {@code
 *       startAfter}. Delivery is at least once: after a restart the events between the last save
 *       and the stop arrive again. A stream that starts without a stored token (no token store, or
 *       its first start) cannot replay what changed before, so it reports a gap before it is ready.
 *   <li><b>Acknowledged only when applied.</b> The token (in memory and stored) moves past a change
 *       only once every listener returned from its events; a listener that throws has not applied
 *       them, and the stream is reopened after the last applied change after a backoff (see {@link
 *       dev.larder.core.InvalidationListener}).
 *   <li><b>Loss is reported, never hidden.</b> When the server cannot resume from the token ({@code
 *       ChangeStreamHistoryLost}: the consumer was away longer than the oplog window; {@code
 *       InvalidResumeToken}; a non-resumable error) listeners get {@code onGap} and the stream
 *       continues from the current end. The same happens when a stream fails before it ever had a
 *       token (only on servers that give no post-batch token).
 *   <li><b>Whole-cache clears where keys are unknown.</b> A drop, rename or dropped database, an
 *       invalidate, or a change event without an {@code _id} clears the mapped caches whole.
 * </ul>
 *
 * <p>Needs a server with change streams: a replica set or sharded cluster (MongoDB 4.2 or later for
 * {@code startAfter}); a standalone {@code mongod} refuses them. Listeners are called on the
 * source's daemon thread, one at a time, in stream order. {@code close()} returns within {@code
 * maxAwaitTime} plus a few seconds.
 *
 * <p>This class only starts builders and holds no state. The {@link Builder} is not thread-safe;
 * the source it builds is (subscribe and close from any thread).
 */
public final class ChangeStreamSource {
  /** Default consumer name, for sources that keep their token in memory only. */
  public static final String DEFAULT_CONSUMER = InvalidationSourceBuilder.DEFAULT_CONSUMER;

  /** Default longest wait of one {@code getMore} on the server: 1 s. */
  public static final Duration DEFAULT_MAX_AWAIT_TIME = Duration.ofSeconds(1);

  /** Default interval between saves of a quiet stream's post-batch token: 30 s. */
  public static final Duration DEFAULT_IDLE_SAVE_INTERVAL = Duration.ofSeconds(30);

  /** Default first reconnect delay: 100 ms. */
  public static final Duration DEFAULT_RECONNECT_INITIAL = ReconnectBackoff.DEFAULT_INITIAL;

  /** Default longest reconnect delay: 10 s. */
  public static final Duration DEFAULT_RECONNECT_MAX = ReconnectBackoff.DEFAULT_MAX;

  private ChangeStreamSource() {}

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a change-stream source. Each setting may be given once: a repeated setting fails
   * with {@link IllegalStateException} naming the value set earlier; a bad value fails at once with
   * {@link IllegalArgumentException} naming the setting and the value; cross-setting rules run in
   * {@link #build()}. Not thread-safe.
   *
   * <p>The {@linkplain #consumerName(String) consumer name} names the source ({@code
   * mongo-change-stream:<name>}) and its thread, and keys its token in the {@link
   * #tokenStore(ResumeTokenStore)}; the time source drives save intervals and stamps events whose
   * server time is unknown.
   */
  public static final class Builder extends InvalidationSourceBuilder<Builder> {
    private @Nullable MongoCollection<?> collection;
    private @Nullable ChangeMapper collectionMapper;
    private @Nullable MongoDatabase database;
    private final Map<String, ChangeMapper> routes = new LinkedHashMap<>();
    private @Nullable ResumeTokenStore tokenStore;
    private @Nullable Boolean fullDocumentLookup;
    private @Nullable Duration maxAwaitTime;
    private @Nullable Duration idleSaveInterval;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Watch one collection. Exclusive with {@link #database(MongoDatabase)}.
     *
     * @param collection the collection (its codec registry and read concern are used)
     * @param mapper maps a changed document's {@code _id} to a cache key
     * @return this builder
     * @throws IllegalStateException if a collection was already set (a database as well fails in
     *     {@link #build()})
     */
    public Builder collection(MongoCollection<?> collection, ChangeMapper mapper) {
      Require.notYetSet(
          this.collection == null ? null : this.collection.getNamespace(), "collection");
      this.collection = Require.notNull(collection, "collection");
      this.collectionMapper = Require.notNull(mapper, "mapper");
      return this;
    }

    /**
     * Watch a whole database with one stream; add a {@link #route(String, ChangeMapper)} per
     * collection whose changes matter (others are filtered out on the server). Exclusive with
     * {@link #collection(MongoCollection, ChangeMapper)}.
     *
     * @param database the database
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder database(MongoDatabase database) {
      Require.notYetSet(this.database == null ? null : this.database.getName(), "database");
      this.database = Require.notNull(database, "database");
      return this;
    }

    /**
     * Maps one collection of the watched database.
     *
     * @param collectionName the collection's name
     * @param mapper maps a changed document's {@code _id} to a cache key
     * @return this builder
     * @throws IllegalArgumentException if {@code collectionName} is blank
     * @throws IllegalStateException if the collection already has a route
     */
    public Builder route(String collectionName, ChangeMapper mapper) {
      Require.notNull(collectionName, "collectionName");
      Require.notNull(mapper, "mapper");
      if (collectionName.isBlank()) {
        throw new IllegalArgumentException(
            "collectionName must not be blank but was '" + collectionName + "'");
      }
      ChangeMapper previous = routes.putIfAbsent(collectionName, mapper);
      if (previous != null) {
        throw new IllegalStateException(
            "route for collection " + collectionName + " was already set to " + previous);
      }
      return this;
    }

    /**
     * Where the resume token is saved so a restarted process resumes where it stopped; default none
     * (the token lives only in this source: reconnects resume, a restart starts at the current end
     * and so reports a gap before it is ready, which makes a cache clear what it holds for this
     * source). Needs an explicit {@link #consumerName(String)}. Give one whenever the caches fed by
     * this source outlive the process (a shared L2).
     *
     * @param tokenStore the store
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder tokenStore(ResumeTokenStore tokenStore) {
      Require.notYetSet(this.tokenStore, "tokenStore");
      this.tokenStore = Require.notNull(tokenStore, "tokenStore");
      return this;
    }

    /**
     * Whether update events also carry the current document ({@code fullDocument: updateLookup});
     * default false. Only needed when the server's {@code documentKey} lacks the {@code _id} (some
     * stand-ins); costs one lookup per update on the server.
     *
     * @param lookup whether to look up
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder fullDocumentLookup(boolean lookup) {
      Require.notYetSet(this.fullDocumentLookup, "fullDocumentLookup");
      this.fullDocumentLookup = lookup;
      return this;
    }

    /**
     * How long one {@code getMore} waits on the server for new events; also how long {@code
     * close()} may wait for the reader to notice; default 1 s.
     *
     * @param maxAwaitTime {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxAwaitTime(Duration maxAwaitTime) {
      Require.notYetSet(this.maxAwaitTime, "maxAwaitTime");
      this.maxAwaitTime = Require.positive(maxAwaitTime, "maxAwaitTime");
      return this;
    }

    /**
     * How often a quiet stream saves the server's post-batch token (events are saved after every
     * batch regardless); keeps a stored token inside the oplog window; default 30 s.
     *
     * @param interval {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder idleSaveInterval(Duration interval) {
      Require.notYetSet(this.idleSaveInterval, "idleSaveInterval");
      this.idleSaveInterval = Require.positive(interval, "idleSaveInterval");
      return this;
    }

    /**
     * Builds the source. Nothing is opened until the first {@code subscribe}.
     *
     * @return the source
     * @throws IllegalStateException if neither or both of a collection and a database were given, a
     *     database has no routes (or routes were given for a collection), or a token store is used
     *     with the default consumer name
     */
    public InvalidationSource build() {
      if (collection == null && database == null) {
        throw new IllegalStateException("collection or database must be set");
      }
      if (collection != null && database != null) {
        throw new IllegalStateException(
            "collection and database are exclusive but both were set (collection "
                + collection.getNamespace()
                + ")");
      }
      if (database != null && routes.isEmpty()) {
        throw new IllegalStateException(
            "database " + database.getName() + " needs at least one route but had none");
      }
      if (collection != null && !routes.isEmpty()) {
        throw new IllegalStateException(
            "routes apply only to a database stream but were set for collection "
                + collection.getNamespace()
                + ": "
                + routes.keySet());
      }
      if (tokenStore != null && !hasConsumerName()) {
        throw new IllegalStateException(
            "tokenStore needs an explicit consumerName, unique per process, but none was set");
      }
      String consumer = consumer();
      Supplier<ChangeStreamIterable<BsonDocument>> watch;
      ChangeTranslator translator;
      MongoCollection<?> c = collection;
      if (c != null) {
        MongoCollection<BsonDocument> typed = c.withDocumentClass(BsonDocument.class);
        String name = c.getNamespace().getCollectionName();
        watch = () -> typed.watch(BsonDocument.class);
        translator =
            new ChangeTranslator(
                "mongo-change-stream:" + consumer,
                name,
                Map.of(name, Require.notNull(collectionMapper, "mapper")));
      } else {
        MongoDatabase db = Require.notNull(database, "database");
        List<String> names = new ArrayList<>(routes.keySet());
        // Only the routed collections' events and the whole-database ones reach the client.
        List<Bson> pipeline =
            List.of(
                Aggregates.match(
                    Filters.or(
                        Filters.in("ns.coll", names),
                        Filters.in("to.coll", names),
                        Filters.in("operationType", List.of("dropDatabase", "invalidate")))));
        watch = () -> db.watch(pipeline, BsonDocument.class);
        translator = new ChangeTranslator("mongo-change-stream:" + consumer, null, routes);
      }
      return new ChangeStreamReader(
          consumer,
          watch,
          translator,
          tokenStore,
          Boolean.TRUE.equals(fullDocumentLookup),
          maxAwaitTime != null ? maxAwaitTime : DEFAULT_MAX_AWAIT_TIME,
          idleSaveInterval != null ? idleSaveInterval : DEFAULT_IDLE_SAVE_INTERVAL,
          backoff(),
          time());
    }
  }
}
