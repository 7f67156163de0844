package dev.larder.mongo;

/**
 * Work run by {@link MongoRouter} against a routed {@link MongoContext}.
 *
 * <p>Runs on the thread that called the router, once per call; it must not hand the context (or
 * what it made from it) to another thread.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface MongoWork<T> {
  /**
   * Runs the work. Cursors and iterables obtained from the context must be consumed before
   * returning: the session they use is closed afterwards.
   *
   * @param context the routed database and, where sessions are available, the session
   * @return the result
   */
  T run(MongoContext context);
}
