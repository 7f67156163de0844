package dev.larder.jdbc.invalidation;

import dev.larder.core.InvalidationEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns outbox rows into events: consecutive rows of one cache become one event with many keys
 * (fewer calls into the cache for bulk writes); a whole-cache row is an event of its own. An
 * event's time is the earliest of its rows (so measured latency is never flattered) and its
 * position is its last row's. Each event keeps the rows it came from, so the reader acknowledges
 * exactly those rows once the event was applied.
 */
final class EventBatcher {
  private EventBatcher() {}

  /**
   * One event and the rows it covers, in read order.
   *
   * @param event the event
   * @param rows its rows, at least one
   */
  record Batch(InvalidationEvent event, List<OutboxRow> rows) {
    /** The position of the batch's last row: everything up to it is applied once the event is. */
    OutboxCursor last() {
      return rows.get(rows.size() - 1).cursor();
    }
  }

  static List<Batch> batches(List<OutboxRow> rows, String origin) {
    List<Batch> batches = new ArrayList<>();
    List<OutboxRow> run = new ArrayList<>();
    for (OutboxRow row : rows) {
      if (row.all()) {
        flush(batches, run, origin);
        batches.add(
            new Batch(
                InvalidationEvent.ofAll(row.cacheName(), origin, row.createdAt())
                    .withPosition(row.cursor().toString()),
                List.of(row)));
        continue;
      }
      if (!run.isEmpty() && !run.get(0).cacheName().equals(row.cacheName())) {
        flush(batches, run, origin);
      }
      run.add(row);
    }
    flush(batches, run, origin);
    return batches;
  }

  static List<InvalidationEvent> toEvents(List<OutboxRow> rows, String origin) {
    return batches(rows, origin).stream().map(Batch::event).toList();
  }

  private static void flush(List<Batch> batches, List<OutboxRow> run, String origin) {
    if (run.isEmpty()) {
      return;
    }
    Set<String> keys = new LinkedHashSet<>();
    for (OutboxRow row : run) {
      keys.add(row.key());
    }
    Instant first = run.get(0).createdAt();
    OutboxCursor last = run.get(run.size() - 1).cursor();
    batches.add(
        new Batch(
            InvalidationEvent.ofKeys(run.get(0).cacheName(), keys, origin, first)
                .withPosition(last.toString()),
            List.copyOf(run)));
    run.clear();
  }
}
