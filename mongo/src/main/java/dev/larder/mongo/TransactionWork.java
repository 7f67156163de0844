package dev.larder.mongo;

import com.mongodb.client.ClientSession;

/**
 * The body of a transaction run by {@link MongoTransactions}. It may run more than once, so it must
 * have no effects outside the database that cannot be repeated, and must pass the session to every
 * operation.
 *
 * @param <T> what the body returns
 */
@FunctionalInterface
public interface TransactionWork<T> {
  /**
   * Runs the body; do not commit or abort (the runner does).
   *
   * @param session the session with the transaction started
   * @return the result
   */
  T run(ClientSession session);
}
