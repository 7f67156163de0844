package dev.larder.jdbc.invalidation;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** One outbox row as read by the poller; a null (or empty) key means the whole cache. */
record OutboxRow(OutboxCursor cursor, String cacheName, @Nullable String key, Instant createdAt) {

  boolean all() {
    return key == null || key.isEmpty();
  }
}
