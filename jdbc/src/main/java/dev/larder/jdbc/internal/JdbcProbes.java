package dev.larder.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;
import javax.sql.DataSource;

/** {@link ServerProbes} over JDBC, with {@link Positions}' SQL. Stateless: thread-safe. */
final class JdbcProbes implements ServerProbes {

  /** Whether a session is read-only, which server it reaches, and whether that is a standby. */
  private static final String READ_ONLY_SESSION_SQL =
      "SELECT current_setting('transaction_read_only'),"
          + " pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())";

  @Override
  public Positions.PrimaryPosition primary(DataSource pool, long timeoutMillis)
      throws SQLException {
    try (Connection c = timeoutMillis > 0 ? probe(pool, timeoutMillis) : pool.getConnection()) {
      return Positions.primary(c);
    }
  }

  @Override
  public Positions.ReplicaPosition replica(
      DataSource pool, OptionalLong primaryLsn, long timeoutMillis) throws SQLException {
    try (Connection c = probe(pool, timeoutMillis)) {
      return Positions.replica(c, primaryLsn);
    }
  }

  @Override
  public ReadSession readSession(DataSource pool, long timeoutMillis) throws SQLException {
    try (Connection c = probe(pool, timeoutMillis);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(READ_ONLY_SESSION_SQL)) {
      rs.next();
      return new ReadSession(rs.getString(1), rs.getBoolean(2), rs.getLong(3));
    }
  }

  @Override
  public ReplayWatch watch(DataSource pool, long timeoutMillis) throws SQLException {
    Connection c = probe(pool, timeoutMillis);
    return new ReplayWatch() {
      @Override
      public OptionalLong replayLsn() throws SQLException {
        return Positions.replayLsn(c);
      }

      @Override
      public void close() throws SQLException {
        c.close();
      }
    };
  }

  /**
   * Bounds how long a probe waits for the server: a frozen server (SIGSTOP, a hung host) keeps the
   * socket open and answers nothing, and without this the check would wait for the pool's socket
   * timeout while the server stays in rotation. HikariCP restores the pool's own timeout when the
   * connection is returned.
   */
  private static Connection probe(DataSource dataSource, long timeoutMillis) throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      c.setNetworkTimeout(
          Runnable::run, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis)));
      return c;
    } catch (SQLException | RuntimeException e) {
      c.close();
      throw e;
    }
  }
}
