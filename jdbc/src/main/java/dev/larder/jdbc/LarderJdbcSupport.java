package dev.larder.jdbc;

import java.sql.SQLException;
import org.jdbi.v3.core.ConnectionException;

/** Small helpers shared by the facades. */
final class LarderJdbcSupport {
  private LarderJdbcSupport() {}

  /**
   * Rethrows a failure from routed work: unchecked ones as they are, an {@link SQLException} from
   * routing wrapped in JDBI's {@link ConnectionException}, and anything else as the callback's own
   * checked exception type (it can only have come from the callback).
   */
  @SuppressWarnings("unchecked")
  static <X extends Exception> X rethrow(Exception e) throws X {
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof SQLException s) {
      throw new ConnectionException(s);
    }
    throw (X) e;
  }
}
