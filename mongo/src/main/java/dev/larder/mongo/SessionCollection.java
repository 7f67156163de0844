package dev.larder.mongo;

import com.mongodb.client.AggregateIterable;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.result.DeleteResult;
import com.mongodb.client.result.InsertManyResult;
import com.mongodb.client.result.InsertOneResult;
import com.mongodb.client.result.UpdateResult;
import java.util.List;
import org.bson.conversions.Bson;
import org.jspecify.annotations.Nullable;

/**
 * A collection bound to an optional session: every operation passes the session when there is one.
 */
final class SessionCollection<D> implements RoutedCollection<D> {
  private final MongoCollection<D> collection;
  private final @Nullable ClientSession session;

  SessionCollection(MongoCollection<D> collection, @Nullable ClientSession session) {
    this.collection = collection;
    this.session = session;
  }

  @Override
  public MongoCollection<D> collection() {
    return collection;
  }

  @Override
  public FindIterable<D> find(Bson filter) {
    return session == null ? collection.find(filter) : collection.find(session, filter);
  }

  @Override
  public @Nullable D findById(Object id) {
    return find(Filters.eq("_id", id)).first();
  }

  @Override
  public long countDocuments(Bson filter) {
    return session == null
        ? collection.countDocuments(filter)
        : collection.countDocuments(session, filter);
  }

  @Override
  public AggregateIterable<D> aggregate(List<? extends Bson> pipeline) {
    return session == null
        ? collection.aggregate(pipeline)
        : collection.aggregate(session, pipeline);
  }

  @Override
  public InsertOneResult insertOne(D document) {
    return session == null
        ? collection.insertOne(document)
        : collection.insertOne(session, document);
  }

  @Override
  public InsertManyResult insertMany(List<? extends D> documents) {
    return session == null
        ? collection.insertMany(documents)
        : collection.insertMany(session, documents);
  }

  @Override
  public UpdateResult updateOne(Bson filter, Bson update) {
    return session == null
        ? collection.updateOne(filter, update)
        : collection.updateOne(session, filter, update);
  }

  @Override
  public UpdateResult updateMany(Bson filter, Bson update) {
    return session == null
        ? collection.updateMany(filter, update)
        : collection.updateMany(session, filter, update);
  }

  @Override
  public UpdateResult replaceOne(Bson filter, D replacement) {
    return session == null
        ? collection.replaceOne(filter, replacement)
        : collection.replaceOne(session, filter, replacement);
  }

  @Override
  public @Nullable D findOneAndUpdate(Bson filter, Bson update, FindOneAndUpdateOptions options) {
    return session == null
        ? collection.findOneAndUpdate(filter, update, options)
        : collection.findOneAndUpdate(session, filter, update, options);
  }

  @Override
  public DeleteResult deleteOne(Bson filter) {
    return session == null ? collection.deleteOne(filter) : collection.deleteOne(session, filter);
  }

  @Override
  public DeleteResult deleteMany(Bson filter) {
    return session == null ? collection.deleteMany(filter) : collection.deleteMany(session, filter);
  }
}
