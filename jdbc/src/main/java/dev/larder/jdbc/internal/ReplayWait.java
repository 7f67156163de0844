package dev.larder.jdbc.internal;

import dev.larder.core.TimeSource;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits, up to a deadline, for one replica to replay a position: polls its replay position on one
 * connection every couple of milliseconds, recording what it sees on the {@link Target}. Used by
 * the read-your-writes wait and by {@code awaitReplayed}. Stateless: thread-safe.
 */
final class ReplayWait {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");
  private static final long PROBE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** A read-your-writes probe may overrun its wait by this much while a query is answered. */
  private static final long PROBE_GRACE_MILLIS = 100;

  private final ServerProbes probes;
  private final TimeSource time;
  private final long probeTimeoutMillis;

  ReplayWait(ServerProbes probes, TimeSource time, long probeTimeoutMillis) {
    this.probes = probes;
    this.time = time;
    this.probeTimeoutMillis = probeTimeoutMillis;
  }

  /**
   * Waits until {@code replica} has replayed {@code lsn}, or the deadline passes, or the thread is
   * interrupted.
   *
   * @param replica the replica
   * @param lsn the position
   * @param deadlineNanos the deadline on the router's clock
   * @return whether it replayed the position in time; false also when it could not be asked
   */
  boolean waitFor(Target replica, long lsn, long deadlineNanos) {
    long probeMillis =
        Math.min(
            probeTimeoutMillis,
            TimeUnit.NANOSECONDS.toMillis(deadlineNanos - time.nanoTime()) + PROBE_GRACE_MILLIS);
    try (ServerProbes.ReplayWatch watch = probes.watch(replica.dataSource(), probeMillis)) {
      while (true) {
        OptionalLong replayed = watch.replayLsn();
        if (replayed.isPresent()) {
          replica.observe(replayed.getAsLong());
          if (Lsn.reached(replayed.getAsLong(), lsn)) {
            return true;
          }
        }
        long remaining = deadlineNanos - time.nanoTime();
        if (remaining <= 0 || Thread.currentThread().isInterrupted()) {
          return false;
        }
        LockSupport.parkNanos(Math.min(remaining, PROBE_PAUSE_NANOS));
      }
    } catch (SQLException e) {
      LOG.debug("read-your-writes wait on {} failed: {}", replica, e.toString());
      return false;
    }
  }
}
