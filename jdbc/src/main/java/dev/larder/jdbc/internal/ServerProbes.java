package dev.larder.jdbc.internal;

import java.sql.SQLException;
import java.util.OptionalLong;
import javax.sql.DataSource;

/**
 * The questions the router's parts ask the servers, each one query on a connection from a pool. The
 * seam between the router's decisions and PostgreSQL: {@link JdbcProbes} asks the servers (proven
 * by the real-server ITs), unit tests answer with fakes. Implementations are thread-safe: health
 * checks and reads ask concurrently.
 */
interface ServerProbes {

  /**
   * The primary's position and identity ({@link Positions#primary}).
   *
   * @param pool the primary's pool
   * @param timeoutMillis longest wait for the answer; 0 or less for the pool's own timeouts
   * @return the position
   * @throws SQLException if no connection can be had or the query fails
   */
  Positions.PrimaryPosition primary(DataSource pool, long timeoutMillis) throws SQLException;

  /**
   * A replica's role, positions and lag ({@link Positions#replica}).
   *
   * @param pool the replica's pool
   * @param primaryLsn the primary's latest known position, empty if unknown
   * @param timeoutMillis longest wait for the answer
   * @return the position
   * @throws SQLException if no connection can be had or the query fails
   */
  Positions.ReplicaPosition replica(DataSource pool, OptionalLong primaryLsn, long timeoutMillis)
      throws SQLException;

  /**
   * What a session from the primary read pool is: read-only or not, on which server.
   *
   * @param pool the primary read pool
   * @param timeoutMillis longest wait for the answer
   * @return the session's answer
   * @throws SQLException if no connection can be had or the query fails
   */
  ReadSession readSession(DataSource pool, long timeoutMillis) throws SQLException;

  /**
   * Opens a watch on a replica's replay position: one connection, asked repeatedly.
   *
   * @param pool the replica's pool
   * @param timeoutMillis longest wait for each answer
   * @return the watch; close it when done
   * @throws SQLException if no connection can be had
   */
  ReplayWatch watch(DataSource pool, long timeoutMillis) throws SQLException;

  /**
   * A session's answer to "are you read-only, and where".
   *
   * @param readOnly {@code transaction_read_only} as the server reports it ({@code on} / {@code
   *     off})
   * @param inRecovery whether the server is a standby
   * @param systemIdentifier the server's cluster
   */
  record ReadSession(String readOnly, boolean inRecovery, long systemIdentifier) {}

  /** A replica's replay position, asked on one connection until closed. Not thread-safe. */
  interface ReplayWatch extends AutoCloseable {
    /**
     * Asks once.
     *
     * @return the replay position, empty if none (a primary)
     * @throws SQLException if the query fails
     */
    OptionalLong replayLsn() throws SQLException;

    @Override
    void close() throws SQLException;
  }
}
