package dev.larder.jdbc.internal;

import dev.larder.jdbc.ConsistencyToken;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The SQL that reads WAL positions and cluster identity. A position that a server does not have (a
 * primary's replay position, a standby's write position) is an empty {@link OptionalLong}, never a
 * sentinel: every 64-bit value is a valid LSN, and positions compare unsigned.
 *
 * <p>Stateless: thread-safe (each call uses the connection it is given).
 */
public final class Positions {
  private Positions() {}

  /**
   * The primary's position and identity. The timeline is read from the name of the WAL file being
   * written (its first 8 hex digits), which changes at once on promotion, unlike the last
   * checkpoint's timeline. {@code pg_current_wal_lsn()} is guarded: it raises an error on a server
   * in recovery.
   */
  private static final String PRIMARY_SQL =
      "SELECT pg_is_in_recovery(),"
          + " CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,"
          + " (SELECT system_identifier FROM pg_control_system()),"
          + " CASE WHEN pg_is_in_recovery() THEN NULL"
          + " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END";

  /**
   * A replica's role, positions, lag and WAL receiver. The replay delay here counts only while
   * received WAL waits to be replayed: on an idle primary {@code pg_last_xact_replay_timestamp()}
   * grows old without any lag, so receive == replay means no delay by this measure; a standby that
   * receives nothing at all is caught by comparing its replay position with the primary's ({@link
   * PrimaryHistory}) and by its receiver's status. {@code pg_stat_wal_receiver} shows a row only
   * while a receiver process exists; its status is hidden (null) from roles without {@code
   * pg_read_all_stats}.
   */
  private static final String REPLICA_SQL =
      "SELECT pg_is_in_recovery(),"
          + " pg_last_wal_receive_lsn()::text,"
          + " pg_last_wal_replay_lsn()::text,"
          + " CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_replay_lsn() IS NULL"
          + "   OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0"
          + " ELSE COALESCE((extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::bigint, 0)"
          + " END,"
          + " pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn())::bigint,"
          + " (SELECT system_identifier FROM pg_control_system()),"
          + " EXISTS (SELECT 1 FROM pg_stat_wal_receiver),"
          + " (SELECT status FROM pg_stat_wal_receiver LIMIT 1)";

  /**
   * What the primary reports about itself.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param inRecovery whether it is (unexpectedly) in recovery
   * @param lsn its current WAL write position; meaningless (0) when in recovery
   * @param systemIdentifier the cluster's identifier
   * @param timeline its current timeline, or 0 when in recovery
   */
  public record PrimaryPosition(boolean inRecovery, long lsn, long systemIdentifier, int timeline) {
    /**
     * Whether this position is past a token's: a later timeline, or the same one and a later LSN
     * (unsigned). A token past the primary's position was not minted by this primary.
     *
     * @param token a token of this cluster
     * @return true if the token is ahead of this position
     */
    public boolean isBehind(ConsistencyToken token) {
      return token.timeline() > timeline
          || (token.timeline() == timeline && !Lsn.reached(lsn, token.lsnValue()));
    }

    /**
     * This position as a token.
     *
     * @return the token
     * @throws IllegalStateException if the server is in recovery
     */
    public ConsistencyToken token() {
      if (inRecovery) {
        throw new IllegalStateException(
            "the primary is in recovery (a standby): it has no write position");
      }
      return ConsistencyToken.of(systemIdentifier, timeline, Lsn.format(lsn));
    }
  }

  /**
   * What a replica reports about itself.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param inRecovery whether it is a standby
   * @param receiveLsn last WAL position received, empty if none
   * @param replayLsn last WAL position replayed, empty if none (always empty on a primary)
   * @param replayDelayMillis time since the last replayed commit while WAL waits, else 0
   * @param lagBytes bytes behind the given primary position, or -1 if unknown
   * @param systemIdentifier its cluster's identifier
   * @param receiver its WAL receiver's status ({@code streaming}, {@code waiting}...), {@code none}
   *     when it has no receiver process, or null when a receiver runs but its status is hidden from
   *     this role
   */
  public record ReplicaPosition(
      boolean inRecovery,
      OptionalLong receiveLsn,
      OptionalLong replayLsn,
      long replayDelayMillis,
      long lagBytes,
      long systemIdentifier,
      @Nullable String receiver) {
    /** Receiver status when the standby has no WAL receiver process at all. */
    public static final String NO_RECEIVER = "none";

    /**
     * Whether the standby is known not to stream from a primary now: no receiver, or one in another
     * state than {@code streaming}. A hidden status counts as streaming (not known not to).
     *
     * @return true if known not to stream
     */
    public boolean notStreaming() {
      return receiver != null && !"streaming".equals(receiver);
    }
  }

  /**
   * Reads the primary's position on the given connection (after a commit on it, this is at or after
   * the commit record).
   *
   * @param connection a connection to the primary
   * @return the position
   * @throws SQLException if the query fails
   */
  public static PrimaryPosition primary(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(PRIMARY_SQL)) {
      rs.next();
      boolean inRecovery = rs.getBoolean(1);
      String lsn = rs.getString(2);
      long system = rs.getLong(3);
      int timeline = rs.getInt(4);
      return new PrimaryPosition(inRecovery, lsn == null ? 0 : Lsn.parse(lsn), system, timeline);
    }
  }

  /**
   * Reads a replica's role, positions and lag.
   *
   * @param connection a connection to the replica
   * @param primaryLsn the primary's latest known position, empty if unknown
   * @return the position
   * @throws SQLException if the query fails
   */
  public static ReplicaPosition replica(Connection connection, OptionalLong primaryLsn)
      throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(REPLICA_SQL)) {
      ps.setString(1, primaryLsn.isPresent() ? Lsn.format(primaryLsn.getAsLong()) : null);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        boolean inRecovery = rs.getBoolean(1);
        OptionalLong receive = lsn(rs.getString(2));
        OptionalLong replay = lsn(rs.getString(3));
        long delay = rs.getLong(4);
        long lag = rs.getLong(5);
        // the primary's position may be older than this replay position: that is no lag
        lag = rs.wasNull() ? -1 : Math.max(0, lag);
        long system = rs.getLong(6);
        boolean hasReceiver = rs.getBoolean(7);
        String status = rs.getString(8);
        return new ReplicaPosition(
            inRecovery,
            receive,
            replay,
            delay,
            lag,
            system,
            hasReceiver ? status : ReplicaPosition.NO_RECEIVER);
      }
    }
  }

  /**
   * Reads only the replay position (the read-your-writes wait loop).
   *
   * @param connection a connection to the replica
   * @return the replay position, empty if none (a primary)
   * @throws SQLException if the query fails
   */
  public static OptionalLong replayLsn(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_last_wal_replay_lsn()::text")) {
      rs.next();
      return lsn(rs.getString(1));
    }
  }

  private static OptionalLong lsn(@Nullable String text) {
    return text == null ? OptionalLong.empty() : OptionalLong.of(Lsn.parse(text));
  }
}
