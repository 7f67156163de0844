package dev.larder.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * The result of a write and the position it reached: pass {@link #token()} to {@link
 * ReadIntent#readYourWrites(ConsistencyToken)} (or a {@link ConsistencySession}) so a later read
 * sees the write.
 *
 * <p>Immutable: thread-safe as far as its value is.
 *
 * @param value what the write's callback returned (may be null)
 * @param token the primary's WAL position after the write committed
 * @param <T> the value's type
 */
public record Written<T>(@Nullable T value, ConsistencyToken token) {}
