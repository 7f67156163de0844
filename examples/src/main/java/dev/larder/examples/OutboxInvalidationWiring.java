package dev.larder.examples;

import dev.larder.cache.LarderCache;
import dev.larder.cache.SourcedInvalidation;
import dev.larder.core.InvalidationSource;
import dev.larder.jdbc.invalidation.PgOutbox;
import dev.larder.jdbc.invalidation.PgOutboxSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Database-driven invalidation (larder-jdbc outbox + larder-cache): a trigger on the {@code
 * product} table writes an outbox row in the same transaction as every change, so writes that never
 * touch the cache (a batch job, an admin's {@code psql}, another service) still invalidate it. The
 * source reads committed rows (LISTEN/NOTIFY as a doorbell, a persisted position so nothing is lost
 * across restarts) and the binding invalidates the cache in Redis and, over the cache's channel, in
 * every instance.
 *
 * <p>Copy this class when the cache must follow writes made outside the service. Bind it in one
 * instance (or all: invalidation is idempotent).
 */
public final class OutboxInvalidationWiring {
  private OutboxInvalidationWiring() {}

  /**
   * Installs the outbox tables and the capture trigger mapping {@code product.id} to the cache's
   * keys (idempotent; in production, put the same DDL in a migration).
   *
   * @param primary the primary
   * @param cacheName the cache's name ({@code cache.name()})
   * @throws SQLException if PostgreSQL refuses the DDL
   */
  public static void install(DataSource primary, String cacheName) throws SQLException {
    PgOutbox outbox = PgOutbox.defaults();
    outbox.install(primary);
    try (Connection c = primary.getConnection()) {
      outbox.installCaptureTrigger(c, "product", "id", cacheName);
    }
  }

  /**
   * The outbox source: one dedicated connection to the primary, its own thread.
   *
   * @param jdbcUrl the primary's URL (LISTEN needs the primary)
   * @param user the user
   * @param password the password
   * @param consumerName this instance's name; its position is kept in the database
   * @return the source (close it on shutdown)
   */
  public static InvalidationSource source(
      String jdbcUrl, String user, String password, String consumerName) {
    return PgOutboxSource.builder()
        .jdbcUrl(jdbcUrl, user, password)
        .consumerName(consumerName)
        .persistPosition(true)
        .build();
  }

  /**
   * Applies the source's events to the cache.
   *
   * @param cache the cache
   * @param source the source
   * @return the binding (close it, then the source)
   * @throws InterruptedException if interrupted while waiting for the source to start reading
   * @throws dev.larder.core.LarderException if it did not start reading within 30 s
   */
  public static InvalidationSource.Subscription bind(
      LarderCache<?> cache, InvalidationSource source) throws InterruptedException {
    // Waits until the source reads: a change committed before that could miss a new consumer.
    return SourcedInvalidation.bind(cache, source, Duration.ofSeconds(30));
  }
}
