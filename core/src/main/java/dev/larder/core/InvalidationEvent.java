package dev.larder.core;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Tells caches that some of their entries are no longer true: either a set of keys or everything.
 *
 * <p>Emitted by an {@link InvalidationSource} (a PostgreSQL outbox, a MongoDB change stream, a
 * cache's own pub/sub bus) and consumed by caches. Keys are the caller's keys within the named
 * cache, not namespaced storage keys: each cache applies its own {@link KeyNamespace}.
 *
 * @param cacheName the cache whose entries changed; not blank
 * @param keys the changed keys; empty exactly when {@code all} is true; never contains null or
 *     empty keys
 * @param all whether every entry of the cache changed
 * @param origin who emitted the event (a source name or instance id), so an instance can ignore its
 *     own echoes; not blank
 * @param occurredAt when the change happened at its origin (commit time where known), used to
 *     measure propagation latency
 * @param position the source's own position of this event (an outbox id, a change-stream resume
 *     token), for diagnosis and replay; {@code null} when the source has none
 */
public record InvalidationEvent(
    String cacheName,
    Set<String> keys,
    boolean all,
    String origin,
    Instant occurredAt,
    @Nullable String position) {

  /**
   * Validates and copies the components.
   *
   * @param cacheName the cache whose entries changed
   * @param keys the changed keys
   * @param all whether every entry of the cache changed
   * @param origin who emitted the event
   * @param occurredAt when the change happened at its origin
   * @param position the source's own position of this event, or null
   * @throws NullPointerException if a required component or a key is null
   * @throws IllegalArgumentException if {@code cacheName} or {@code origin} is blank, a key is
   *     empty, or {@code keys} is empty while {@code all} is false (or not empty while it is true)
   */
  public InvalidationEvent {
    requireText(cacheName, "cacheName");
    requireText(origin, "origin");
    Objects.requireNonNull(occurredAt, "occurredAt must not be null");
    Objects.requireNonNull(keys, "keys must not be null");
    LinkedHashSet<String> copy = new LinkedHashSet<>();
    for (String key : keys) {
      Objects.requireNonNull(key, "keys must not contain null");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("keys must not contain an empty key");
      }
      copy.add(key);
    }
    if (all && !copy.isEmpty()) {
      throw new IllegalArgumentException(
          "an event for all keys must not list keys but listed " + copy.size());
    }
    if (!all && copy.isEmpty()) {
      throw new IllegalArgumentException("keys must not be empty unless all is true");
    }
    keys = java.util.Collections.unmodifiableSet(copy);
  }

  /**
   * An event for the given keys of one cache.
   *
   * @param cacheName the cache whose entries changed
   * @param keys the changed keys, at least one
   * @param origin who emitted the event
   * @param occurredAt when the change happened
   * @return the event, with no position
   */
  public static InvalidationEvent ofKeys(
      String cacheName, Collection<String> keys, String origin, Instant occurredAt) {
    Objects.requireNonNull(keys, "keys must not be null");
    return new InvalidationEvent(
        cacheName, new LinkedHashSet<>(keys), false, origin, occurredAt, null);
  }

  /**
   * An event saying every entry of one cache changed.
   *
   * @param cacheName the cache to clear
   * @param origin who emitted the event
   * @param occurredAt when the change happened
   * @return the event, with no position
   */
  public static InvalidationEvent ofAll(String cacheName, String origin, Instant occurredAt) {
    return new InvalidationEvent(cacheName, Set.of(), true, origin, occurredAt, null);
  }

  /**
   * A copy of this event carrying the source's position.
   *
   * @param position the source's position of this event
   * @return the copy
   */
  public InvalidationEvent withPosition(String position) {
    Objects.requireNonNull(position, "position must not be null");
    return new InvalidationEvent(cacheName, keys, all, origin, occurredAt, position);
  }

  private static void requireText(@Nullable String value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank but was '" + value + "'");
    }
  }
}
