package dev.larder.jdbc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Connection} that takes a physical connection only on first real use (a statement,
 * metadata, a savepoint), so settings made before that, above all {@code setReadOnly(true)}, decide
 * where it is routed. Frameworks set read-only and auto-commit before running anything (Spring's
 * {@code @Transactional(readOnly = true)}); those calls, commit/rollback with nothing done, and
 * close are answered here without a connection, so an unused connection costs no pool slot.
 *
 * <p>Not thread-safe, like the JDBC connection it stands for: use each connection on one thread at
 * a time.
 */
public final class LazyConnection implements InvocationHandler {

  /**
   * Takes the physical connection once the read-only flag is known.
   *
   * <p>Called on the thread that first uses the connection.
   */
  @FunctionalInterface
  public interface Acquirer {
    /**
     * Gets a physical connection.
     *
     * @param readOnly the flag set before first use
     * @return the connection and a hook run after it is closed
     * @throws SQLException if none can be had
     */
    Acquired acquire(boolean readOnly) throws SQLException;
  }

  /**
   * A physical connection and what to do after closing it.
   *
   * <p>An immutable pair; the connection in it is used on one thread at a time.
   *
   * @param connection the physical connection
   * @param target the server it belongs to
   */
  public record Acquired(Connection connection, Target target) {}

  private final Acquirer acquirer;
  private boolean readOnly;
  private boolean autoCommit = true;
  private @Nullable Integer isolation;
  private boolean closed;
  private @Nullable Acquired physical;

  private LazyConnection(Acquirer acquirer) {
    this.acquirer = acquirer;
  }

  /**
   * Creates a lazy connection.
   *
   * @param acquirer how to get the physical connection
   * @return the proxy
   */
  public static Connection create(Acquirer acquirer) {
    return (Connection)
        Proxy.newProxyInstance(
            LazyConnection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new LazyConnection(acquirer));
  }

  /**
   * The physical connection's server, if one was taken.
   *
   * @param proxy a connection made by {@link #create(Acquirer)}
   * @return the server, or null if no physical connection was taken (or not a lazy connection)
   */
  public static @Nullable Target targetOf(Connection proxy) {
    if (Proxy.isProxyClass(proxy.getClass())
        && Proxy.getInvocationHandler(proxy) instanceof LazyConnection l) {
      return l.physical == null ? null : l.physical.target();
    }
    return null;
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // a proxy is equal only to itself
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
      throws Throwable {
    String name = method.getName();
    switch (name) {
      case "equals" -> {
        return proxy == args[0];
      }
      case "hashCode" -> {
        return System.identityHashCode(proxy);
      }
      case "toString" -> {
        return "LazyConnection["
            + (physical == null ? "not connected" : physical.target().name())
            + "]";
      }
      case "isClosed" -> {
        return closed;
      }
      case "close" -> {
        close();
        return null;
      }
      default -> {}
    }
    if (closed) {
      throw new SQLException("connection is closed", "08003");
    }
    if (physical == null) {
      switch (name) {
        case "setReadOnly" -> {
          readOnly = (Boolean) java.util.Objects.requireNonNull(args[0]); // a boolean parameter
          return null;
        }
        case "isReadOnly" -> {
          return readOnly;
        }
        case "setAutoCommit" -> {
          autoCommit = (Boolean) java.util.Objects.requireNonNull(args[0]); // a boolean parameter
          return null;
        }
        case "getAutoCommit" -> {
          return autoCommit;
        }
        case "setTransactionIsolation" -> {
          isolation = (Integer) args[0];
          return null;
        }
        case "getTransactionIsolation" -> {
          if (isolation != null) {
            return isolation;
          }
        }
        case "commit", "rollback" -> {
          if (args == null || args.length == 0) {
            return null; // nothing was done, so nothing to end
          }
        }
        case "isValid" -> {
          return true;
        }
        case "getWarnings" -> {
          return null;
        }
        case "clearWarnings" -> {
          return null;
        }
        default -> {}
      }
      physical = connect();
    }
    try {
      return method.invoke(physical.connection(), args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private Acquired connect() throws SQLException {
    Acquired a = acquirer.acquire(readOnly);
    try {
      Connection c = a.connection();
      if (readOnly && !c.isReadOnly()) {
        c.setReadOnly(
            true); // a read that fell back to the primary: BEGIN READ ONLY in transactions
      }
      if (!autoCommit) {
        c.setAutoCommit(false);
      }
      if (isolation != null) {
        c.setTransactionIsolation(isolation);
      }
      return a;
    } catch (SQLException | RuntimeException e) {
      try {
        a.connection().close();
      } finally {
        a.target().release();
      }
      throw e;
    }
  }

  private void close() throws SQLException {
    if (closed) {
      return;
    }
    closed = true;
    Acquired a = physical;
    if (a != null) {
      try {
        a.connection().close();
      } finally {
        a.target().release();
      }
    }
  }
}
