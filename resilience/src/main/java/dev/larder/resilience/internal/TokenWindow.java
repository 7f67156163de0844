package dev.larder.resilience.internal;

import dev.larder.core.TimeSource;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The arithmetic of a retry budget: a balance of milli-tokens made of a fixed reserve plus every
 * deposit and withdrawal of the last {@code window}, kept in {@value #SLICES} time slices so old
 * entries expire (Finagle's retry budget works the same way). Because withdrawals are refused when
 * they would take the balance below zero, in any window the withdrawals never exceed the reserve
 * plus the deposits made in that window.
 *
 * <p>Thread-safe. The lock guards a few additions on arrays: no I/O and no callbacks run under it.
 */
public final class TokenWindow {
  /** Slices per window; the window slides in steps of window / SLICES. */
  public static final int SLICES = 10;

  private final TimeSource time;
  private final long sliceNanos;
  private final long reserve;
  private final long origin;
  private final long[] sums = new long[SLICES];
  private final long[] sliceNumbers = new long[SLICES];
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * Creates an empty window.
   *
   * @param time the clock
   * @param windowNanos how long a deposit or withdrawal counts, {@code >= SLICES}
   * @param reserve the fixed part of the balance, in milli-tokens, {@code >= 0}
   */
  public TokenWindow(TimeSource time, long windowNanos, long reserve) {
    this.time = Objects.requireNonNull(time, "time");
    if (windowNanos < SLICES) {
      throw new IllegalArgumentException(
          "windowNanos must be >= " + SLICES + " but was " + windowNanos);
    }
    if (reserve < 0) {
      throw new IllegalArgumentException("reserve must be >= 0 but was " + reserve);
    }
    this.sliceNanos = windowNanos / SLICES;
    this.reserve = reserve;
    this.origin = time.nanoTime();
    java.util.Arrays.fill(sliceNumbers, Long.MIN_VALUE);
  }

  /**
   * Adds to the balance.
   *
   * @param milliTokens the amount, {@code >= 0}
   */
  public void deposit(long milliTokens) {
    lock.lock();
    try {
      add(currentSlice(), milliTokens);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes from the balance if it holds enough.
   *
   * @param milliTokens the amount, {@code > 0}
   * @return whether it was taken
   */
  public boolean tryWithdraw(long milliTokens) {
    lock.lock();
    try {
      long slice = currentSlice();
      if (balanceAt(slice) < milliTokens) {
        return false;
      }
      add(slice, -milliTokens);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** {@return the balance now, in milli-tokens} */
  public long balance() {
    lock.lock();
    try {
      return balanceAt(currentSlice());
    } finally {
      lock.unlock();
    }
  }

  private long currentSlice() {
    return Math.floorDiv(time.nanoTime() - origin, sliceNanos);
  }

  private void add(long slice, long amount) {
    int i = (int) Math.floorMod(slice, (long) SLICES);
    if (sliceNumbers[i] != slice) {
      sliceNumbers[i] = slice;
      sums[i] = 0;
    }
    sums[i] += amount;
  }

  private long balanceAt(long slice) {
    long total = reserve;
    for (int i = 0; i < SLICES; i++) {
      if (sliceNumbers[i] > slice - SLICES) {
        total += sums[i];
      }
    }
    return total;
  }
}
