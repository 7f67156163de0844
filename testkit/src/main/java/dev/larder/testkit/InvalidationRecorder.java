package dev.larder.testkit;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link InvalidationListener} for tests: remembers every event and gap notice a source
 * delivered, and when each {@code cache/key} first arrived, so a test can assert what a write
 * produced ("the outbox delivered key 42 of cache products after commit") and measure latency.
 *
 * <pre>{@code
 * InvalidationRecorder rec = new InvalidationRecorder();
 * source.subscribe(rec);
 * source.awaitReady(Duration.ofSeconds(10));
 * // ... write ...
 * await().until(() -> rec.keys().contains("products/42"));
 * }</pre>
 *
 * <p>Thread-safe: sources call it from their own thread while the test reads.
 */
public final class InvalidationRecorder implements InvalidationListener {
  private final List<InvalidationEvent> events = new CopyOnWriteArrayList<>();
  private final List<String> gaps = new CopyOnWriteArrayList<>();
  private final Map<String, Long> firstArrivalNanos = new ConcurrentHashMap<>();

  /** Creates an empty recorder. */
  public InvalidationRecorder() {}

  @Override
  public void onInvalidation(InvalidationEvent event) {
    long now = System.nanoTime();
    events.add(event);
    for (String key : event.keys()) {
      firstArrivalNanos.putIfAbsent(qualified(event.cacheName(), key), now);
    }
  }

  @Override
  public void onGap(String reason) {
    gaps.add(reason);
  }

  /**
   * Every event so far, in delivery order.
   *
   * @return a live, unmodifiable view
   */
  public List<InvalidationEvent> events() {
    return Collections.unmodifiableList(events);
  }

  /**
   * Every gap notice's reason so far, in delivery order.
   *
   * @return a live, unmodifiable view
   */
  public List<String> gaps() {
    return Collections.unmodifiableList(gaps);
  }

  /**
   * The keys delivered so far, each as {@code cacheName + "/" + key}; whole-cache events add none.
   *
   * @return a live, unmodifiable view
   */
  public Set<String> keys() {
    return Collections.unmodifiableSet(firstArrivalNanos.keySet());
  }

  /**
   * When a key first arrived since it was last {@linkplain #forget forgotten}.
   *
   * @param cacheName the cache
   * @param key the key
   * @return the {@link System#nanoTime()} of its first arrival, or empty if it has not arrived
   */
  public OptionalLong firstArrivalNanos(String cacheName, String key) {
    Long at = firstArrivalNanos.get(qualified(cacheName, key));
    return at == null ? OptionalLong.empty() : OptionalLong.of(at);
  }

  /**
   * Forgets a key's arrival, so the next delivery of it counts as a first arrival again (for
   * latency measured over repeated writes of one key).
   *
   * @param cacheName the cache
   * @param key the key
   */
  public void forget(String cacheName, String key) {
    firstArrivalNanos.remove(qualified(cacheName, key));
  }

  private static String qualified(String cacheName, String key) {
    return cacheName + "/" + key;
  }
}
