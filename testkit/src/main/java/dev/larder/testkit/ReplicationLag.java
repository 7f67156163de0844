package dev.larder.testkit;

import java.time.Duration;

/**
 * How far the standby's replay is behind the primary, measured by {@link PostgresCluster#lag()}.
 *
 * @param bytes WAL bytes between the primary's current LSN and the standby's replay LSN ({@code 0}
 *     when the standby has replayed everything the primary wrote; never negative)
 * @param replayDelay time since the last transaction the standby replayed was committed on the
 *     primary ({@code now() - pg_last_xact_replay_timestamp()}), or {@link Duration#ZERO} when the
 *     standby has caught up (and when it has replayed no transaction since it started, as there is
 *     no timestamp to measure from then)
 * @param primaryLsn the primary's {@code pg_current_wal_lsn()}, such as {@code "0/3000148"}
 * @param replayLsn the standby's {@code pg_last_wal_replay_lsn()}
 */
public record ReplicationLag(
    long bytes, Duration replayDelay, String primaryLsn, String replayLsn) {

  /**
   * Whether the standby has replayed everything the primary had written when measured.
   *
   * @return {@code bytes() == 0}
   */
  public boolean caughtUp() {
    return bytes == 0;
  }
}
