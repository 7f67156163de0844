package dev.larder.cache.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.Map;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a Redis breaker's state changes once per change, naming the caches that use it.
 *
 * <p>resilience4j's event publisher cannot remove a consumer, and a breaker is often shared by many
 * caches (and outlives them). So each breaker gets one consumer, registered the first time a cache
 * uses it, that reads the set of caches using it now; a cache joins on start and leaves on close.
 * The consumer holds only that set of names, never a cache, so a closed cache is garbage.
 */
final class BreakerLog {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultLarderCache.class);
  private static final ReentrantLock LOCK = new ReentrantLock();
  // Weak keys: a breaker nobody uses any more takes its entry with it. Identity is what matters;
  // resilience4j's breakers do not override equals.
  private static final Map<CircuitBreaker, Map<Object, String>> USERS = new WeakHashMap<>();

  private BreakerLog() {}

  /**
   * Adds a cache to the breaker's users, registering the breaker's one consumer if it has none.
   *
   * @param breaker the Redis breaker
   * @param user identifies one cache instance (not the cache itself, which must stay collectable)
   * @param cacheName the cache's name, for the log
   */
  static void join(CircuitBreaker breaker, Object user, String cacheName) {
    LOCK.lock();
    try {
      Map<Object, String> users = USERS.get(breaker);
      if (users == null) {
        Map<Object, String> names = new ConcurrentHashMap<>();
        users = names;
        USERS.put(breaker, names);
        breaker
            .getEventPublisher()
            .onStateTransition(
                e -> {
                  if (!names.isEmpty()) {
                    LOG.warn(
                        "redis circuit breaker '{}' of cache(s) {}: {} (they serve from L1 and the loader while it is open)",
                        e.getCircuitBreakerName(),
                        new TreeSet<>(names.values()),
                        e.getStateTransition());
                  }
                });
      }
      users.put(user, cacheName);
    } finally {
      LOCK.unlock();
    }
  }

  /**
   * Removes a cache from the breaker's users.
   *
   * @param breaker the Redis breaker
   * @param user what {@link #join} was given
   */
  static void leave(CircuitBreaker breaker, Object user) {
    LOCK.lock();
    try {
      Map<Object, String> users = USERS.get(breaker);
      if (users != null) {
        users.remove(user);
      }
    } finally {
      LOCK.unlock();
    }
  }
}
