package dev.larder.jdbc.keyset;

import dev.larder.core.keyset.SortKey;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;
import org.jspecify.annotations.Nullable;

/**
 * Maps a row with the caller's mapper and reads the sort key columns by label, typed from the
 * column's PostgreSQL type so each value binds back exactly (no millisecond truncation, numeric
 * scale kept, float4 widened exactly).
 */
final class KeyedRowMapper<T> implements RowMapper<KeyedRow<T>> {
  private final RowMapper<T> mapper;
  private final List<SortKey> keys;

  KeyedRowMapper(RowMapper<T> mapper, List<SortKey> keys) {
    this.mapper = mapper;
    this.keys = keys;
  }

  @FunctionalInterface
  private interface Reader {
    @Nullable Object read(ResultSet rs) throws SQLException;
  }

  @Override
  public KeyedRow<T> map(ResultSet rs, StatementContext ctx) throws SQLException {
    return specialize(rs, ctx).map(rs, ctx);
  }

  @Override
  public RowMapper<KeyedRow<T>> specialize(ResultSet rs, StatementContext ctx) throws SQLException {
    RowMapper<T> items = mapper.specialize(rs, ctx);
    ResultSetMetaData md = rs.getMetaData();
    List<Reader> readers = new ArrayList<>(keys.size());
    for (SortKey k : keys) {
      int index;
      try {
        index = rs.findColumn(k.name());
      } catch (SQLException e) {
        throw new IllegalStateException(
            "sort key \"" + k.name() + "\" is not a column of the base query's output", e);
      }
      readers.add(reader(index, md.getColumnTypeName(index), k.name()));
    }
    return (row, c) -> {
      List<@Nullable Object> values = new ArrayList<>(readers.size());
      for (Reader r : readers) {
        values.add(r.read(row));
      }
      return new KeyedRow<>(items.map(row, c), values);
    };
  }

  private static Reader reader(int i, String typeName, String column) {
    return switch (typeName.toLowerCase(Locale.ROOT)) {
      case "timestamptz" -> rs -> rs.getObject(i, OffsetDateTime.class);
      case "timestamp" -> rs -> rs.getObject(i, LocalDateTime.class);
      case "date" -> rs -> rs.getObject(i, LocalDate.class);
      case "int2", "int4", "serial" -> rs -> nullOr(rs, rs.getInt(i));
      case "int8", "bigserial", "oid" -> rs -> nullOr(rs, rs.getLong(i));
      case "numeric" -> rs -> rs.getBigDecimal(i);
      case "float8" -> rs -> nullOr(rs, rs.getDouble(i));
      case "float4" -> rs -> nullOr(rs, (double) rs.getFloat(i));
      case "text", "varchar", "bpchar", "name", "citext" -> rs -> rs.getString(i);
      case "uuid" -> rs -> rs.getObject(i, UUID.class);
      case "bool" -> rs -> nullOr(rs, rs.getBoolean(i));
      default ->
          throw new IllegalStateException(
              "sort key \""
                  + column
                  + "\" has PostgreSQL type "
                  + typeName
                  + ", which a cursor cannot hold; sort by a column of another type");
    };
  }

  private static @Nullable Object nullOr(ResultSet rs, Object value) throws SQLException {
    return rs.wasNull() ? null : value;
  }
}
