package dev.larder.mongo;

import com.mongodb.client.AggregateIterable;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.InsertManyResult;
import com.mongodb.client.result.InsertOneResult;
import com.mongodb.client.result.UpdateResult;
import java.util.List;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

/**
 * The common operations of a {@link MongoCollection}, run with the routing and session of the
 * {@link MongoContext} that made this object. Everything else is on {@link #collection()} (pass
 * {@link MongoContext#session()} to keep the causal guarantee).
 *
 * <p>Valid only during the call whose context made it; not thread-safe, as that context's session
 * is not.
 *
 * @param <D> the document type
 */
public interface RoutedCollection<D> {

  /**
   * The driver's collection, with this call's read preference.
   *
   * @return the collection
   */
  MongoCollection<D> collection();

  /**
   * Finds documents; consume the iterable within the call.
   *
   * @param filter the query filter
   * @return the lazy result
   */
  FindIterable<D> find(Bson filter);

  /**
   * Finds the document with this {@code _id}.
   *
   * @param id the id
   * @return the document, or null if there is none
   */
  @Nullable D findById(Object id);

  /**
   * Counts matching documents.
   *
   * @param filter the query filter
   * @return the count
   */
  long countDocuments(Bson filter);

  /**
   * Runs an aggregation; consume the iterable within the call.
   *
   * @param pipeline the stages
   * @return the lazy result
   */
  AggregateIterable<D> aggregate(List<? extends Bson> pipeline);

  /**
   * Inserts one document.
   *
   * @param document the document
   * @return the driver's result
   */
  InsertOneResult insertOne(D document);

  /**
   * Inserts documents.
   *
   * @param documents the documents
   * @return the driver's result
   */
  InsertManyResult insertMany(List<? extends D> documents);

  /**
   * Updates the first matching document.
   *
   * @param filter the query filter
   * @param update the update
   * @return the driver's result
   */
  UpdateResult updateOne(Bson filter, Bson update);

  /**
   * Updates every matching document.
   *
   * @param filter the query filter
   * @param update the update
   * @return the driver's result
   */
  UpdateResult updateMany(Bson filter, Bson update);

  /**
   * Replaces the first matching document.
   *
   * @param filter the query filter
   * @param replacement the new document
   * @return the driver's result
   */
  UpdateResult replaceOne(Bson filter, D replacement);

  /**
   * Finds one document, updates it and returns it as the options say (before or after).
   *
   * @param filter the query filter
   * @param update the update
   * @param options the options
   * @return the document, or null if none matched
   */
  @Nullable D findOneAndUpdate(Bson filter, Bson update, FindOneAndUpdateOptions options);

  /**
   * Deletes the first matching document.
   *
   * @param filter the query filter
   * @return the driver's result
   */
  DeleteResult deleteOne(Bson filter);

  /**
   * Deletes every matching document.
   *
   * @param filter the query filter
   * @return the driver's result
   */
  DeleteResult deleteMany(Bson filter);
}
