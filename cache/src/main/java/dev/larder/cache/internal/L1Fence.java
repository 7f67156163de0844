package dev.larder.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Keeps L1 from taking a value older than an invalidation it has already seen.
 *
 * <p>Per key, a tombstone holds the highest version an invalidation announced (the version Redis
 * holds right after it); a value loaded or read under a lower version is refused. Tombstones are
 * checked inside the L1 map's per-key compute and written before the key is dropped, so a store
 * racing an invalidation either lands before the drop or sees the tombstone. A clear-all takes the
 * write side of a lock whose read side every store holds, so no store straddles it.
 *
 * <p>Tombstones are bounded in number and age: once one is evicted, a load that overtook its
 * invalidation by longer than that could fill L1 again, and is then bounded by the L1 TTL.
 */
final class L1Fence {
  private final Cache<String, Long> tombstones;
  private final ReentrantReadWriteLock clearLock = new ReentrantReadWriteLock();

  L1Fence(long maxKeys, Duration keepFor) {
    this.tombstones = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterWrite(keepFor).build();
  }

  /** Records that the key was invalidated up to {@code version}. */
  void record(String key, long version) {
    tombstones.asMap().merge(key, version, Math::max);
  }

  /**
   * Whether a value written under {@code version} is not older than the key's last invalidation.
   */
  boolean admits(String key, long version) {
    Long t = tombstones.getIfPresent(key);
    return t == null || version >= t;
  }

  /** Held (shared) by every L1 store. */
  Lock storeLock() {
    return clearLock.readLock();
  }

  /** Held (exclusive) by a clear-all. */
  Lock clearLock() {
    return clearLock.writeLock();
  }

  /** Forgets every tombstone: after a clear-all, the epoch fences loads that started before it. */
  void clear() {
    tombstones.invalidateAll();
  }
}
