package dev.larder.cache.internal;

import dev.larder.cache.CacheResult;

/** What the cache counts. A no-op unless the caller passed a Micrometer registry. */
public interface CacheMetrics {

  /** Counts nothing. */
  CacheMetrics NOOP = new CacheMetrics() {};

  /** A value (or a cached absence) served fresh from a tier. */
  default void hit(CacheResult.Source tier, boolean absent) {}

  /** A key found in neither tier (or only stale). */
  default void miss() {}

  /**
   * A loader call ended; {@code result} is {@code success} (values or absences) or {@code failure}.
   */
  default void load(String result, long nanos) {}

  /** A caller joined a load already running: in this JVM ({@code remote=false}) or another. */
  default void stampedeJoin(boolean remote) {}

  /** A background refresh started before expiry (XFetch or a hot key). */
  default void earlyRefresh() {}

  /** A stale value served after a failed load. */
  default void staleServe(CacheResult.Source tier) {}

  /**
   * A value that could not be encoded or decoded, or was too large ({@code
   * encode|decode|oversize}).
   */
  default void codecError(String kind) {}

  /** A Redis call that failed, timed out or was refused by the breaker. */
  default void redisFailure() {}

  /** A wait for another instance's load that ran out, so this instance loaded itself. */
  default void lockWaitTimeout() {}

  /** An invalidation bus message published ({@code keys|all|heartbeat}, or {@code failed}). */
  default void invalidationSent(String kind) {}

  /**
   * An invalidation bus message from another instance applied ({@code keys|all}), or {@code
   * malformed}.
   */
  default void invalidationReceived(String kind) {}

  /** Time from a message's publish (the publisher's wall clock) to its L1 drop here. */
  default void invalidationPropagation(long nanos) {}

  /**
   * L1 cleared because invalidations may have been missed ({@code
   * resubscribed|unsubscribed|gap|silent|recovered}).
   */
  default void busClear(String reason) {}

  /** A value from a load that an invalidation overtook, refused by a tier ({@code l1|l2}). */
  default void staleSetRejected(String tier) {}

  /**
   * A fence this instance owes Redis ({@code owed}), applied later ({@code settled}), or given up
   * when the cache closed before Redis answered ({@code lost}).
   */
  default void fence(String result) {}
}
