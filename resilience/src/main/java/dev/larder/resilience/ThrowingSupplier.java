package dev.larder.resilience;

/**
 * A supplier that may throw a checked exception, such as JDBC work throwing {@link
 * java.sql.SQLException}. The policies rethrow the last failure with its own type, so callers catch
 * exactly what the work throws.
 *
 * @param <T> the result type
 * @param <E> the checked exception the work throws
 */
@FunctionalInterface
public interface ThrowingSupplier<T, E extends Exception> {
  /**
   * Runs the work once.
   *
   * @return its result
   * @throws E when the work fails
   */
  T get() throws E;
}
