package dev.larder.jdbc.invalidation;

import dev.larder.core.InvalidationEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns outbox rows into events: consecutive rows of one cache become one event with many keys
 * (fewer calls into the cache for bulk writes); a whole-cache row is an event of its own. An
 * event's time is the earliest of its rows (so measured latency is never flattered) and its
 * position is its last row's.
 */
final class EventBatcher {
  private EventBatcher() {}

  static List<InvalidationEvent> toEvents(List<OutboxRow> rows, String origin) {
    List<InvalidationEvent> events = new ArrayList<>();
    @Nullable String cache = null;
    Set<String> keys = new LinkedHashSet<>();
    @Nullable Instant first = null;
    @Nullable OutboxCursor last = null;
    for (OutboxRow row : rows) {
      if (row.all()) {
        flush(events, cache, keys, first, last, origin);
        cache = null;
        events.add(
            InvalidationEvent.ofAll(row.cacheName(), origin, row.createdAt())
                .withPosition(row.cursor().toString()));
        continue;
      }
      if (cache != null && !cache.equals(row.cacheName())) {
        flush(events, cache, keys, first, last, origin);
        cache = null;
      }
      if (cache == null) {
        cache = row.cacheName();
        keys = new LinkedHashSet<>();
        first = row.createdAt();
      }
      keys.add(row.key());
      last = row.cursor();
    }
    flush(events, cache, keys, first, last, origin);
    return events;
  }

  private static void flush(
      List<InvalidationEvent> events,
      @Nullable String cache,
      Set<String> keys,
      @Nullable Instant first,
      @Nullable OutboxCursor last,
      String origin) {
    if (cache == null || keys.isEmpty() || first == null || last == null) {
      return;
    }
    events.add(InvalidationEvent.ofKeys(cache, keys, origin, first).withPosition(last.toString()));
  }
}
