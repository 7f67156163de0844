package dev.larder.mongo.invalidation;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import dev.larder.core.internal.Require;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.BsonDocument;
import org.bson.Document;

/**
 * Where a {@link ChangeStreamSource} keeps its resume token per consumer, so a restarted source
 * continues where it stopped. Implementations must be thread-safe; a failing {@link #save} is
 * retried by the source with the next token.
 */
public interface ResumeTokenStore {

  /**
   * The last token saved for a consumer.
   *
   * @param consumer the consumer name
   * @return the token, or empty if none was saved (the source then starts at the current end)
   */
  Optional<BsonDocument> load(String consumer);

  /**
   * Remembers a consumer's token, replacing the previous one.
   *
   * @param consumer the consumer name
   * @param token the resume token (opaque)
   */
  void save(String consumer, BsonDocument token);

  /**
   * Forgets a consumer's token (after its history was lost).
   *
   * @param consumer the consumer name
   */
  void clear(String consumer);

  /**
   * A store in this JVM's memory: a source rebuilt in the same process resumes, a restarted process
   * starts at the current end.
   *
   * @return a new, empty store
   */
  static ResumeTokenStore inMemory() {
    Map<String, BsonDocument> tokens = new ConcurrentHashMap<>();
    return new ResumeTokenStore() {
      @Override
      public Optional<BsonDocument> load(String consumer) {
        return Optional.ofNullable(tokens.get(Require.notNull(consumer, "consumer")));
      }

      @Override
      public void save(String consumer, BsonDocument token) {
        tokens.put(Require.notNull(consumer, "consumer"), Require.notNull(token, "token").clone());
      }

      @Override
      public void clear(String consumer) {
        tokens.remove(Require.notNull(consumer, "consumer"));
      }

      @Override
      public String toString() {
        return "ResumeTokenStore.inMemory" + tokens.keySet();
      }
    };
  }

  /**
   * A store in a MongoDB collection: one document {@code {_id: consumer, token, updatedAt}} per
   * consumer. A restarted process resumes. Each save is one replace (upsert).
   *
   * @param collection the collection to keep tokens in (not the watched one: saving would make
   *     change events of its own)
   * @return the store
   */
  @SuppressWarnings("JavaUtilDate") // the driver's type for a BSON date
  static ResumeTokenStore collection(MongoCollection<Document> collection) {
    Require.notNull(collection, "collection");
    MongoCollection<BsonDocument> tokens = collection.withDocumentClass(BsonDocument.class);
    return new ResumeTokenStore() {
      @Override
      public Optional<BsonDocument> load(String consumer) {
        BsonDocument doc =
            tokens.find(Filters.eq("_id", Require.notNull(consumer, "consumer"))).first();
        return doc == null || !doc.isDocument("token")
            ? Optional.empty()
            : Optional.of(doc.getDocument("token"));
      }

      @Override
      public void save(String consumer, BsonDocument token) {
        Require.notNull(consumer, "consumer");
        Require.notNull(token, "token");
        Document doc =
            new Document("_id", consumer).append("token", token).append("updatedAt", new Date());
        collection.replaceOne(Filters.eq("_id", consumer), doc, new ReplaceOptions().upsert(true));
      }

      @Override
      public void clear(String consumer) {
        tokens.deleteOne(Filters.eq("_id", Require.notNull(consumer, "consumer")));
      }

      @Override
      public String toString() {
        return "ResumeTokenStore.collection(" + collection.getNamespace() + ")";
      }
    };
  }
}
