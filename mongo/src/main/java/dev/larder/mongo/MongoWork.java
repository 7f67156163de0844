package dev.larder.mongo;

/**
 * Work run by {@link MongoRouter} against a routed {@link MongoContext}.
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
