package dev.larder.cache;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import dev.larder.core.InvalidationSource;
import dev.larder.core.KeyNamespace;
import dev.larder.core.LarderException;
import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a database drive a cache's invalidation: subscribes a {@link LarderCache} to an {@link
 * InvalidationSource} (a PostgreSQL outbox in larder-jdbc, a MongoDB change stream in
 * larder-mongo), so writers need not call {@link LarderCache#invalidate} themselves.
 *
 * <pre>{@code
 * InvalidationSource.Subscription s =
 *     SourcedInvalidation.bind(products, outboxSource, Duration.ofSeconds(30)); // waits until it reads
 * // ... on shutdown
 * s.close();
 * }</pre>
 *
 * <p>A source starts reading in the background on its first subscription. A consumer with no stored
 * position or resume token cannot know what was committed while no consumer ran, so it reports a
 * gap first (the cache is cleared in every tier) and then reads from the database's present; with a
 * stored position it resumes from there. At start-up, bind with a ready timeout (or call {@link
 * InvalidationSource#awaitReady}) before the service serves reads.
 *
 * <p>What each call of the source does to the cache:
 *
 * <ul>
 *   <li>{@code onInvalidation} for this cache's name: the keys are {@linkplain
 *       LarderCache#invalidateAll(java.util.Collection) invalidated} (L2 deleted with a version
 *       bump that fences loads in flight, L1 dropped here and, over the invalidation channel, in
 *       every instance); an event for every key {@linkplain LarderCache#invalidateAll() clears} the
 *       cache. Events for other caches are ignored. Keys the cache could never hold (empty, control
 *       characters, too long) are skipped with a warning, the rest applied.
 *   <li>{@code onGap}: the source may have lost events, and a lost event may concern any key in
 *       either tier. L1 is per instance but L2 is shared, so dropping L1 alone would let the next
 *       read copy the same stale L2 value back: the whole cache is cleared in both tiers and in
 *       every instance ({@link LarderCache#invalidateAll()}). A burst of reloads is the price of a
 *       bounded staleness.
 * </ul>
 *
 * <p>The calls run on the source's thread and make Redis calls bounded by the cache's {@code
 * redisTimeout}. If Redis does not confirm an invalidation (or a gap's clear), the listener throws
 * {@link InvalidationPendingException}: the event is <em>not</em> applied, and the source does not
 * acknowledge it; it keeps its position and delivers the event again after a backoff (at least
 * once, see the source's documentation). Meanwhile this instance has dropped the keys from its L1
 * and owes Redis the fence. So no database change is lost while Redis is down or the cache's Redis
 * breaker is open. Binding the same source in every instance is harmless (each event is applied
 * once per instance, idempotently); binding it in one instance is enough, since the invalidation
 * channel carries the drops to the others.
 */
public final class SourcedInvalidation {
  private static final Logger LOG = LoggerFactory.getLogger(SourcedInvalidation.class);

  private SourcedInvalidation() {}

  /**
   * Starts applying a source's events to a cache.
   *
   * @param cache the cache; events are matched on its {@link LarderCache#name()}
   * @param source the source
   * @return closes this binding only (the source and the cache stay open)
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the source was closed
   */
  public static InvalidationSource.Subscription bind(
      LarderCache<?> cache, InvalidationSource source) {
    Require.notNull(cache, "cache");
    Require.notNull(source, "source");
    return source.subscribe(listener(cache, source.name()));
  }

  /**
   * Starts applying a source's events to a cache and waits until the source reads: every change
   * committed after this returns reaches the cache.
   *
   * @param cache the cache; events are matched on its {@link LarderCache#name()}
   * @param source the source
   * @param readyTimeout how long to wait for the source to start reading, {@code >= 0}
   * @return closes this binding only (the source and the cache stay open)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code readyTimeout} is negative
   * @throws IllegalStateException if the source was closed
   * @throws LarderException if the source did not start reading within {@code readyTimeout} (its
   *     database is unreachable or the source was closed meanwhile); the binding is closed then
   * @throws InterruptedException if interrupted while waiting; the binding is closed then
   */
  public static InvalidationSource.Subscription bind(
      LarderCache<?> cache, InvalidationSource source, Duration readyTimeout)
      throws InterruptedException {
    Require.nonNegative(readyTimeout, "readyTimeout");
    InvalidationSource.Subscription binding = bind(cache, source);
    boolean ready;
    try {
      ready = source.awaitReady(readyTimeout);
    } catch (InterruptedException | RuntimeException e) {
      binding.close();
      throw e;
    }
    if (!ready) {
      binding.close();
      throw new LarderException(
          "invalidation source '"
              + source.name()
              + "' did not start reading within "
              + readyTimeout
              + " (database unreachable, or the source was closed); cache '"
              + cache.name()
              + "' is not bound");
    }
    return binding;
  }

  /**
   * The listener {@link #bind} subscribes, for sources that are wired by other means.
   *
   * @param cache the cache
   * @param sourceName the source's name, for logs
   * @return a listener applying events to the cache
   * @throws NullPointerException if an argument is null
   */
  public static InvalidationListener listener(LarderCache<?> cache, String sourceName) {
    Require.notNull(cache, "cache");
    Require.notNull(sourceName, "sourceName");
    return new InvalidationListener() {
      @Override
      public void onInvalidation(InvalidationEvent event) {
        if (!cache.name().equals(event.cacheName())) {
          return;
        }
        if (event.all()) {
          cache.invalidateAll();
          return;
        }
        List<String> keys = new ArrayList<>(event.keys().size());
        for (String key : event.keys()) {
          try {
            KeyNamespace.validateKey(key);
            keys.add(key);
          } catch (IllegalArgumentException e) {
            LOG.warn(
                "cache '{}': skipped an invalid key from source '{}' (position {}): {}",
                cache.name(),
                sourceName,
                event.position(),
                e.getMessage());
          }
        }
        try {
          cache.invalidateAll(keys);
        } catch (IllegalArgumentException e) {
          // Valid alone but too long for the namespace: apply the others one by one.
          for (String key : keys) {
            try {
              cache.invalidate(key);
            } catch (IllegalArgumentException tooLong) {
              LOG.warn(
                  "cache '{}': skipped a key from source '{}': {}",
                  cache.name(),
                  sourceName,
                  tooLong.getMessage());
            }
          }
        }
      }

      @Override
      public void onGap(String reason) {
        LOG.warn(
            "cache '{}': source '{}' may have lost events ({}); clearing the cache in every tier and instance",
            cache.name(),
            sourceName,
            reason);
        cache.invalidateAll();
      }
    };
  }
}
