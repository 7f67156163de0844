package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.InvalidationEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBatcherTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static OutboxRow row(long id, String cache, String key, int secondsAfterT0) {
    return new OutboxRow(new OutboxCursor(100, id), cache, key, T0.plusSeconds(secondsAfterT0));
  }

  @Test
  void consecutiveRowsOfOneCacheBecomeOneEventWithTheEarliestTimeAndTheLastPosition() {
    List<InvalidationEvent> events =
        EventBatcher.toEvents(
            List.of(row(1, "a", "k1", 5), row(2, "a", "k2", 3), row(3, "a", "k1", 9)), "src");
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.cacheName()).isEqualTo("a");
              assertThat(e.keys()).containsExactly("k1", "k2");
              assertThat(e.occurredAt()).isEqualTo(T0.plusSeconds(5));
              assertThat(e.position()).isEqualTo("100:3");
              assertThat(e.origin()).isEqualTo("src");
            });
  }

  @Test
  void cacheChangesAndWholeCacheRowsSplitEventsInOrder() {
    List<InvalidationEvent> events =
        EventBatcher.toEvents(
            List.of(
                row(1, "a", "k1", 0),
                row(2, "b", "k2", 0),
                row(3, "b", null, 0),
                row(4, "b", "k3", 0),
                row(5, "a", "", 0)),
            "src");
    assertThat(events)
        .extracting(
            InvalidationEvent::cacheName,
            InvalidationEvent::all,
            e -> e.keys().size(),
            InvalidationEvent::position)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", false, 1, "100:1"),
            org.assertj.core.groups.Tuple.tuple("b", false, 1, "100:2"),
            org.assertj.core.groups.Tuple.tuple("b", true, 0, "100:3"),
            org.assertj.core.groups.Tuple.tuple("b", false, 1, "100:4"),
            org.assertj.core.groups.Tuple.tuple("a", true, 0, "100:5"));
  }

  @Test
  void noRowsNoEvents() {
    assertThat(EventBatcher.toEvents(List.of(), "src")).isEmpty();
  }
}
