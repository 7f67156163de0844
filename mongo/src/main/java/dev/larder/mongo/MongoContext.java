package dev.larder.mongo;

import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoDatabase;
import java.util.Optional;
import org.bson.Document;

/**
 * The database as routed for one {@link MongoRouter} call: with the call's read preference and, for
 * writes and token-carrying reads, a causally consistent session. Operations through {@link
 * #collection(String)} pass the session for you; code that uses {@link #database()} directly must
 * pass {@link #session()} itself to keep the causal guarantee.
 *
 * <p>Valid only during the call it was given to; not thread-safe (a session must not be used by two
 * threads at once).
 */
public interface MongoContext {

  /**
   * The database with this call's read preference.
   *
   * @return the database
   */
  MongoDatabase database();

  /**
   * The causally consistent session of this call.
   *
   * @return the session; empty for plain routed reads, primary reads, and where the deployment
   *     refuses sessions
   */
  Optional<ClientSession> session();

  /**
   * A collection of documents whose operations run with this call's routing and session.
   *
   * @param name the collection name
   * @return the routed collection
   */
  RoutedCollection<Document> collection(String name);

  /**
   * A collection of typed documents whose operations run with this call's routing and session.
   *
   * @param name the collection name
   * @param documentClass the document type (a codec for it must be registered)
   * @param <D> the document type
   * @return the routed collection
   */
  <D> RoutedCollection<D> collection(String name, Class<D> documentClass);
}
