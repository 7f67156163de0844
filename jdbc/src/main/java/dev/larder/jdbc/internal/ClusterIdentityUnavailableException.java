package dev.larder.jdbc.internal;

import java.sql.SQLException;

/**
 * A read-your-writes read could not be routed: the cluster's identity, needed to judge its token,
 * was never read and the primary could not be asked. Unchecked so that routing declares no {@code
 * SQLException}; each front door turns it back into what it has always thrown ({@code RoutingJdbi}
 * JDBI's {@code ConnectionException}, {@code RoutingDataSource} the {@code SQLException} itself).
 * Never reaches a caller as itself.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public final class ClusterIdentityUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param cause why the primary could not be asked
   */
  ClusterIdentityUnavailableException(SQLException cause) {
    super("the cluster's identity could not be read from the primary", cause);
  }

  /** {@return why the primary could not be asked} */
  @Override
  public synchronized SQLException getCause() {
    // The only constructor takes the SQLException.
    return (SQLException) java.util.Objects.requireNonNull(super.getCause());
  }
}
