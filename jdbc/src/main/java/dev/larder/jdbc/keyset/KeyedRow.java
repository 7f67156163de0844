package dev.larder.jdbc.keyset;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** A mapped item with its sort key values, read from the same row. */
record KeyedRow<T>(T item, List<@Nullable Object> keys) {}
