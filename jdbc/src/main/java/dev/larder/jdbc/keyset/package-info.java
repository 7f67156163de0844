/**
 * Keyset pagination over JDBI for PostgreSQL: {@link dev.larder.jdbc.keyset.JdbiKeyset} turns a
 * {@link dev.larder.core.keyset.KeysetSpec} and a caller's base query into seek queries (row-value
 * comparisons where the directions allow, expanded OR-chains with NULL handling where they don't)
 * and returns {@link dev.larder.core.keyset.Page}s with signed cursors.
 */
@NullMarked
package dev.larder.jdbc.keyset;

import org.jspecify.annotations.NullMarked;
