package dev.larder.jdbc.internal;

import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * When the router first saw the primary at each WAL position: the yardstick for how far behind a
 * standby is. A standby whose replay position is below a position the primary already had at time
 * {@code t} is missing something written before {@code t}, so its data is at least {@code now - t}
 * old. That holds whether or not the standby still receives WAL, which is what the standby's own
 * clock (time since its last replayed commit, while received WAL waits) cannot see: a standby cut
 * off from its primary has nothing waiting, and looked current.
 *
 * <p>Entries are kept for positions in increasing order, each with the time it was first seen. The
 * list is bounded: when full, every second entry of the older half is dropped. Dropping an entry
 * only makes later answers later (a smaller lower bound), never earlier, and the oldest entry is
 * always kept, so a standby far behind is never reported as fresher than the oldest time known.
 * Positions compare unsigned. Thread-safe; no I/O under the lock.
 */
public final class PrimaryHistory {
  /** Entries kept at most; at one check a second that is minutes of exact history, then coarser. */
  static final int CAPACITY = 512;

  private final ReentrantLock lock = new ReentrantLock();
  private final long[] lsns = new long[CAPACITY];
  private final long[] firstSeen = new long[CAPACITY];
  private int size;

  /** An empty history. */
  public PrimaryHistory() {}

  /**
   * Records that the primary was at {@code lsn} at {@code nanos}; a position not above the latest
   * one adds nothing.
   *
   * @param lsn the primary's WAL position
   * @param nanos when it was read (after the answer came back), on the router's monotonic clock
   */
  public void observe(long lsn, long nanos) {
    lock.lock();
    try {
      if (size > 0 && Long.compareUnsigned(lsn, lsns[size - 1]) <= 0) {
        return;
      }
      if (size == CAPACITY) {
        compact();
      }
      lsns[size] = lsn;
      firstSeen[size] = nanos;
      size++;
    } finally {
      lock.unlock();
    }
  }

  /**
   * When the primary was first seen past {@code replayed}: the earliest time known at which it had
   * written something a server at {@code replayed} lacks.
   *
   * @param replayed a standby's replay position
   * @return that time on the router's clock, or empty if the primary was never seen past it
   */
  public OptionalLong firstSeenPast(long replayed) {
    lock.lock();
    try {
      // Positions increase with the index: binary search for the first one above replayed.
      int lo = 0;
      int hi = size;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (Long.compareUnsigned(lsns[mid], replayed) > 0) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo < size ? OptionalLong.of(firstSeen[lo]) : OptionalLong.empty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The latest position seen.
   *
   * @return it, or empty before the first observation
   */
  public OptionalLong latest() {
    lock.lock();
    try {
      return size == 0 ? OptionalLong.empty() : OptionalLong.of(lsns[size - 1]);
    } finally {
      lock.unlock();
    }
  }

  /** Forgets everything (the primary is another server now: a promotion, another cluster). */
  public void clear() {
    lock.lock();
    try {
      size = 0;
    } finally {
      lock.unlock();
    }
  }

  /** Drops every second entry of the older half, keeping the oldest. */
  private void compact() {
    int half = size / 2;
    int to = 1;
    for (int from = 2; from < half; from += 2) {
      lsns[to] = lsns[from];
      firstSeen[to] = firstSeen[from];
      to++;
    }
    for (int from = half; from < size; from++) {
      lsns[to] = lsns[from];
      firstSeen[to] = firstSeen[from];
      to++;
    }
    size = to;
  }
}
