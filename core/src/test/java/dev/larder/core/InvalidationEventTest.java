package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InvalidationEventTest {
  private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void keyEventKeepsKeysInOrderWithoutDuplicates() {
    InvalidationEvent e =
        InvalidationEvent.ofKeys("products", List.of("b", "a", "b"), "pg-outbox", T);
    assertThat(e.keys()).containsExactly("b", "a");
    assertThat(e.all()).isFalse();
    assertThat(e.position()).isNull();
    assertThat(e.withPosition("42").position()).isEqualTo("42");
  }

  @Test
  void keysAreImmutable() {
    List<String> keys = new ArrayList<>(List.of("a"));
    InvalidationEvent e = InvalidationEvent.ofKeys("products", keys, "o", T);
    keys.add("b");
    assertThat(e.keys()).containsExactly("a");
    assertThatThrownBy(() -> e.keys().add("c")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void allEventHasNoKeys() {
    InvalidationEvent e = InvalidationEvent.ofAll("products", "o", T);
    assertThat(e.all()).isTrue();
    assertThat(e.keys()).isEmpty();
  }

  @Test
  void rejectsEmptyKeySetUnlessAll() {
    assertThatThrownBy(() -> InvalidationEvent.ofKeys("products", List.of(), "o", T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keys must not be empty unless all is true");
    assertThatThrownBy(() -> new InvalidationEvent("products", Set.of("k"), true, "o", T, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an event for all keys must not list keys but listed 1");
  }

  @Test
  void rejectsNullAndEmptyKeys() {
    assertThatThrownBy(() -> InvalidationEvent.ofKeys("products", Arrays.asList("a", null), "o", T))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("keys must not contain null");
    assertThatThrownBy(() -> InvalidationEvent.ofKeys("products", List.of(""), "o", T))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keys must not contain an empty key");
  }

  @Test
  void rejectsBlankNamesByField() {
    assertThatThrownBy(() -> InvalidationEvent.ofAll(" ", "o", T))
        .hasMessage("cacheName must not be blank but was ' '");
    assertThatThrownBy(() -> InvalidationEvent.ofAll("c", "", T))
        .hasMessage("origin must not be blank but was ''");
    assertThatThrownBy(() -> InvalidationEvent.ofAll(null, "o", T))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cacheName must not be null");
    assertThatThrownBy(() -> InvalidationEvent.ofAll("c", "o", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("occurredAt must not be null");
  }
}
