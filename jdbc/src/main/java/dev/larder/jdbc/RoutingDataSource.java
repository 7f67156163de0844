package dev.larder.jdbc;

import dev.larder.core.internal.Require;
import dev.larder.jdbc.internal.ClusterIdentityUnavailableException;
import dev.larder.jdbc.internal.Engine;
import dev.larder.jdbc.internal.Failover;
import dev.larder.jdbc.internal.LazyConnection;
import dev.larder.jdbc.internal.Target;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A plain {@link DataSource} over a {@link ReplicaRouter} that routes each connection by its
 * read-only flag: connections marked {@code setReadOnly(true)} before first use go to a replica
 * (per the router's default intent, or the one set with {@link #withReadIntent}), the others to the
 * primary.
 *
 * <p>The connections handed out are lazy: no physical connection is taken until the first statement
 * (or metadata call), so a framework can set read-only and auto-commit first. This is what makes
 * Spring's {@code @Transactional(readOnly = true)} route correctly: Spring's own {@code
 * AbstractRoutingDataSource} picks a target when the connection is requested, before the
 * transaction manager has set the flag. A connection that is never used never takes a pool slot. A
 * replica whose connection cannot be had is taken out of rotation and the next server tried.
 *
 * <pre>{@code
 * DataSource ds = RoutingDataSource.create(router);      // give this to Spring / jOOQ / MyBatis
 * try (Connection c = ds.getConnection()) {
 *   c.setReadOnly(true);                                 // before first use: goes to a replica
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe; the connections it hands out are not (as JDBC connections generally are not): use
 * each on one thread at a time. The read intent set by {@link #withReadIntent} is per thread.
 */
public final class RoutingDataSource implements DataSource {
  private static final ThreadLocal<@Nullable ReadIntent> INTENT = new ThreadLocal<>();

  private final ReplicaRouter router;
  private final Engine engine;

  private RoutingDataSource(ReplicaRouter router) {
    this.router = router;
    this.engine = router.engine();
  }

  /**
   * Creates the data source.
   *
   * @param router the router
   * @return the data source
   */
  public static RoutingDataSource create(ReplicaRouter router) {
    return new RoutingDataSource(Require.notNull(router, "router"));
  }

  /**
   * Work run by {@link #withReadIntent}, with its own checked exception type.
   *
   * <p>Runs on the thread that called {@link #withReadIntent}, whose intent it sees.
   *
   * @param <T> the result type
   * @param <X> the checked exception the work throws
   */
  @FunctionalInterface
  public interface IntentWork<T, X extends Exception> {
    /**
     * Runs the work.
     *
     * @return its result
     * @throws X its failure
     */
    T run() throws X;
  }

  /**
   * Runs work with a read intent for the read-only connections it first uses on this thread (for
   * example read-your-writes with a token from a request header).
   *
   * @param intent the intent
   * @param work the work
   * @param <T> the result type
   * @param <X> the work's checked exception ({@code SQLException} for plain JDBC work)
   * @return the work's result
   * @throws X what the work throws
   */
  public static <T, X extends Exception> T withReadIntent(ReadIntent intent, IntentWork<T, X> work)
      throws X {
    Require.notNull(intent, "intent");
    Require.notNull(work, "work");
    ReadIntent before = INTENT.get();
    INTENT.set(intent);
    try {
      return work.run();
    } finally {
      if (before == null) {
        INTENT.remove();
      } else {
        INTENT.set(before);
      }
    }
  }

  /**
   * {@link #withReadIntent} for a {@link Callable}.
   *
   * @param intent the intent
   * @param work the work
   * @param <T> the result type
   * @return the work's result
   * @throws Exception what the work throws
   * @deprecated use {@link #withReadIntent(ReadIntent, IntentWork)}, which throws only what the
   *     work throws instead of any {@code Exception}
   */
  @Deprecated
  public static <T> T withIntent(ReadIntent intent, Callable<T> work) throws Exception {
    Require.notNull(work, "work");
    return withReadIntent(intent, work::call);
  }

  /**
   * Which server a connection from this data source was routed to.
   *
   * @param connection a connection from {@link #getConnection()}
   * @return {@code primary}, the replica's name, or null if it has not taken a physical connection
   *     yet
   */
  public static @Nullable String routedTo(Connection connection) {
    Target t = LazyConnection.targetOf(connection);
    return t == null ? null : t.name();
  }

  /**
   * A lazy connection, routed on first use.
   *
   * @return the connection
   */
  @Override
  public Connection getConnection() {
    ReadIntent captured = INTENT.get();
    return LazyConnection.create(readOnly -> acquire(readOnly, captured));
  }

  private LazyConnection.Acquired acquire(boolean readOnly, @Nullable ReadIntent captured)
      throws SQLException {
    if (!readOnly) {
      Target primary = engine.primary();
      primary.acquire();
      try {
        return new LazyConnection.Acquired(primary.dataSource().getConnection(), primary);
      } catch (SQLException | RuntimeException e) {
        primary.release();
        throw e;
      }
    }
    ReadIntent intent = captured != null ? captured : router.defaultReadIntent();
    try {
      return engine
          .failover()
          .read(
              intent,
              Failover.Shape.CONNECTION,
              route -> new LazyConnection.Acquired(route.pool().getConnection(), route.target()));
    } catch (ClusterIdentityUnavailableException e) {
      throw e.getCause();
    }
  }

  /**
   * Not supported: credentials belong to the pools.
   *
   * @param username ignored
   * @param password ignored
   * @return never
   * @throws SQLFeatureNotSupportedException always
   */
  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "credentials are set on the pools behind a RoutingDataSource");
  }

  @Override
  public @Nullable PrintWriter getLogWriter() throws SQLException {
    return router.primary().getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "set the log writer on the pools behind a RoutingDataSource");
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "set the login timeout on the pools behind a RoutingDataSource");
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return router.primary().getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("java.util.logging is not used");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("RoutingDataSource is not a " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
