package dev.larder.cache.internal;

import java.time.Duration;

/**
 * How a cache takes part in its invalidation channel.
 *
 * @param enabled whether the cache publishes and listens at all
 * @param heartbeatInterval how often an instance publishes a heartbeat (and checks its own echo)
 * @param heartbeatTimeout how long without an echo of its own messages before an instance clears L1
 */
public record BusSettings(boolean enabled, Duration heartbeatInterval, Duration heartbeatTimeout) {

  /** No bus: invalidations stay in this JVM and Redis. */
  public static final BusSettings DISABLED =
      new BusSettings(false, Duration.ofSeconds(1), Duration.ofSeconds(3));
}
