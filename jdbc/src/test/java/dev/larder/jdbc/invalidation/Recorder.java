package dev.larder.jdbc.invalidation;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that remembers what it got and when (first arrival per key, in nanoTime). */
final class Recorder implements InvalidationListener {
  final List<InvalidationEvent> events = new CopyOnWriteArrayList<>();
  final List<String> gaps = new CopyOnWriteArrayList<>();
  final Map<String, Long> firstArrivalNanos = new ConcurrentHashMap<>();
  final Map<String, Integer> deliveries = new ConcurrentHashMap<>();

  @Override
  public void onInvalidation(InvalidationEvent event) {
    long now = System.nanoTime();
    events.add(event);
    for (String key : event.keys()) {
      String qualified = event.cacheName() + "/" + key;
      firstArrivalNanos.putIfAbsent(qualified, now);
      deliveries.merge(qualified, 1, Integer::sum);
    }
  }

  @Override
  public void onGap(String reason) {
    gaps.add(reason);
  }

  Set<String> keys() {
    return firstArrivalNanos.keySet();
  }
}
