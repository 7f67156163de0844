package dev.larder.jdbc;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One replica as the router's health checks last saw it.
 *
 * <p>An immutable snapshot: thread-safe.
 *
 * @param name the replica's name, as given to {@link ReplicaRouter.Builder#replica}
 * @param state whether it is in rotation and, if not, why
 * @param replayLsn the last WAL position it had replayed ({@code pg_last_wal_replay_lsn()}), or
 *     {@code null} if never read
 * @param lagBytes bytes of WAL between the primary's position and the replay position ({@code
 *     pg_wal_lsn_diff}), or -1 if unknown
 * @param replayDelay how far behind the replica's data was at the check, at least: the larger of
 *     the time since the router first saw the primary past the replica's replay position, and the
 *     time since the last replayed transaction while received WAL waited to be replayed; zero when
 *     the replica had replayed every position the primary was seen at (an idle primary is not lag,
 *     a standby cut off from a primary that writes is)
 * @param checkedAt when this was measured, or {@code null} if never
 * @param inFlight reads running on it now
 * @param detail a human-readable reason for the state
 */
public record ReplicaStatus(
    String name,
    State state,
    @Nullable String replayLsn,
    long lagBytes,
    Duration replayDelay,
    @Nullable Instant checkedAt,
    int inFlight,
    String detail) {

  /**
   * Whether a replica is in rotation and, if not, why.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum State {
    /** Not checked yet: not in rotation. */
    UNKNOWN,
    /** In rotation. */
    HEALTHY,
    /** Up but behind by more than the configured lag bounds. */
    LAGGING,
    /** Not answering, or a read on it just failed with a connection-level failure. */
    DOWN,
    /** Answering but not in recovery ({@code pg_is_in_recovery()} is false): not a standby. */
    WRONG_ROLE,
    /** A standby of another cluster (its system identifier differs from the primary's). */
    OTHER_CLUSTER,
    /** Has not yet replayed a required position (for example the end of a migration). */
    BEHIND_REQUIRED_POSITION
  }

  /**
   * Whether reads may be routed to this replica.
   *
   * @return {@code true} if {@link State#HEALTHY}
   */
  public boolean inRotation() {
    return state == State.HEALTHY;
  }
}
