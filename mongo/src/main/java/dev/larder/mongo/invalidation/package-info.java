/**
 * Database-sourced cache invalidation for MongoDB: a change-stream {@link
 * dev.larder.core.InvalidationSource} that resumes from a stored resume token. Entry point: {@link
 * dev.larder.mongo.invalidation.ChangeStreamSource}. See {@code jdbc/INVALIDATION-SOURCES.md}.
 */
@NullMarked
package dev.larder.mongo.invalidation;

import org.jspecify.annotations.NullMarked;
