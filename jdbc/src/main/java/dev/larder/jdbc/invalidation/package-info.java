/**
 * Database-sourced cache invalidation for PostgreSQL: a transactional outbox table filled by
 * triggers (or by the caller inside its transaction), LISTEN/NOTIFY as the doorbell and polling as
 * the safety net. Entry points: {@link dev.larder.jdbc.invalidation.PgOutbox} (schema, triggers,
 * writes) and {@link dev.larder.jdbc.invalidation.PgOutboxSource} (the {@link
 * dev.larder.core.InvalidationSource}). See {@code jdbc/INVALIDATION-SOURCES.md}.
 */
@NullMarked
package dev.larder.jdbc.invalidation;

import org.jspecify.annotations.NullMarked;
