package dev.larder.cache.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fences this instance owes Redis: invalidations, puts and clears whose Redis half could not be
 * confirmed. Each is paid later, once Redis answers: per key (a version bump that deletes the
 * value) or, for a clear-all or once more than {@code maxKeys} keys are owed, the whole namespace
 * (a new generation).
 *
 * <p>Every debt carries a number from one counter, so paying a snapshot settles exactly the debts
 * in it: a key owed again while a payment runs stays owed (its write may have come after the
 * payment's bump).
 */
final class FenceDebt {
  private final int maxKeys;
  private final AtomicLong counter = new AtomicLong();
  private final Map<String, Long> keys = new ConcurrentHashMap<>();
  // 0: no clear owed; otherwise the number of the latest clear owed.
  private final AtomicLong all = new AtomicLong();

  FenceDebt(int maxKeys) {
    this.maxKeys = maxKeys;
  }

  /** What one payment covers. */
  record Snapshot(long all, Map<String, Long> keys) {
    boolean isEmpty() {
      return all == 0 && keys.isEmpty();
    }

    List<String> keyList() {
      return new ArrayList<>(keys.keySet());
    }
  }

  void owe(Collection<String> owed) {
    for (String k : owed) {
      keys.put(k, counter.incrementAndGet());
    }
    if (keys.size() > maxKeys) {
      oweAll();
    }
  }

  void oweAll() {
    long n = counter.incrementAndGet();
    all.set(n);
    // A clear covers every key owed before it.
    keys.entrySet().removeIf(e -> e.getValue() < n);
  }

  boolean isEmpty() {
    return all.get() == 0 && keys.isEmpty();
  }

  int size() {
    return keys.size() + (all.get() == 0 ? 0 : 1);
  }

  Snapshot snapshot() {
    return new Snapshot(all.get(), Map.copyOf(keys));
  }

  /** Settles what a paid snapshot covered: a clear settles every key owed before it too. */
  void paid(Snapshot s) {
    if (s.all() != 0) {
      all.compareAndSet(s.all(), 0);
      keys.entrySet().removeIf(e -> e.getValue() < s.all());
    }
    s.keys().forEach(keys::remove);
  }
}
