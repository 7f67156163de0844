package dev.larder.mongo;

import com.mongodb.client.ClientSession;

/**
 * The body of a transaction run by {@link MongoTransactions}. It may run more than once, so it must
 * have no effects outside the database that cannot be repeated, and must pass the session to every
 * operation.
 *
 * <p>Runs on the thread that called {@link MongoTransactions#inTransaction}; the session must not
 * be handed to another thread (a session is not thread-safe).
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
