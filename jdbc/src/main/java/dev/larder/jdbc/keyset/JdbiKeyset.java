package dev.larder.jdbc.keyset;

import dev.larder.core.internal.Require;
import dev.larder.core.keyset.AllowList;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.KeysetPager;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;
import org.jspecify.annotations.Nullable;

/**
 * Keyset ("seek") pagination over JDBI for PostgreSQL. Immutable and thread-safe; build one per
 * query and sort with {@link #builder} and share it.
 *
 * <p>The caller's base query (its own filters, bound parameters only) is wrapped as {@code SELECT *
 * FROM (<base>) AS larder_keyset WHERE <seek> ORDER BY <keys> LIMIT n+1}:
 *
 * <ul>
 *   <li>the seek predicate is a row-value comparison {@code (a, b) > (:a, :b)} when every key goes
 *       the same way and none is nullable, which PostgreSQL answers with one range scan of a
 *       matching composite index; otherwise an expanded OR-chain that places NULLs as each key
 *       declares (after a value {@code v} in {@code ASC NULLS LAST}: {@code (col > v OR col IS
 *       NULL)}; after a NULL there: only rows with NULL there and later keys greater), led by a
 *       bound on the first key when it is not nullable;
 *   <li>a backward page reverses every direction and null placement, then the page is put back in
 *       sort order;
 *   <li>one row more than the page is fetched, so {@code hasNext} costs no count.
 * </ul>
 *
 * <p>Sort key names are output column labels of the base query (as PostgreSQL reports them: lower
 * case unless quoted); each must be in the builder's allow-list. Key values are read from those
 * columns by their PostgreSQL type (timestamptz as {@code OffsetDateTime}, timestamp as {@code
 * LocalDateTime}, date, integers, numeric as {@code BigDecimal} with its scale, float, text, uuid,
 * boolean) and bound back exactly, microseconds included. Index the base table on the sort keys, in
 * order, with the same directions and null placement.
 *
 * @param <T> the item type
 */
public final class JdbiKeyset<T> {
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  private final KeysetPager pager;
  private final String baseQuery;
  private final RowMapper<T> mapper;

  private JdbiKeyset(Builder<T> b) {
    this.pager = KeysetPager.of(b.spec, b.codec);
    this.baseQuery = java.util.Objects.requireNonNull(b.baseQuery);
    this.mapper = b.mapper;
  }

  /**
   * Starts a keyset query.
   *
   * @param spec the sort keys and page sizes
   * @param codec makes and checks cursors
   * @param mapper maps a row to an item (key columns are read separately, by label)
   * @param <T> the item type
   * @return a builder
   */
  public static <T> Builder<T> builder(KeysetSpec spec, CursorCodec codec, RowMapper<T> mapper) {
    return new Builder<>(
        Require.notNull(spec, "spec"),
        Require.notNull(codec, "codec"),
        Require.notNull(mapper, "mapper"));
  }

  /**
   * The keyset this query pages by.
   *
   * @return the spec
   */
  public KeysetSpec spec() {
    return pager.spec();
  }

  /**
   * Fetches one page with a base query that takes no parameters.
   *
   * @param handle an open JDBI handle
   * @param request which page
   * @return the page, items in sort order
   * @throws IllegalArgumentException if the page size is not in [1, maxPageSize]
   * @throws InvalidCursorException if the cursor is malformed, tampered with, expired, signed by a
   *     key no longer accepted, or belongs to another query, sort or filter
   * @throws IllegalStateException if a row holds NULL in a key not declared nullable, or a key
   *     column has a type a cursor cannot hold
   */
  public Page<T> fetch(Handle handle, PageRequest request) {
    return fetch(handle, request, Map.of());
  }

  /**
   * Fetches one page, binding the base query's named parameters. The cursor is bound to the
   * parameters' values: a cursor issued with {@code owner=1} is rejected with {@code owner=2}.
   *
   * @param handle an open JDBI handle
   * @param request which page
   * @param parameters the base query's named parameters (names must not start with {@code larder_})
   * @return the page, items in sort order
   * @throws IllegalArgumentException if the page size is not in [1, maxPageSize] or a parameter
   *     name is reserved
   * @throws InvalidCursorException if the cursor is malformed, tampered with, expired, signed by a
   *     key no longer accepted, or belongs to another query, sort or filter
   * @throws IllegalStateException if a row holds NULL in a key not declared nullable, or a key
   *     column has a type a cursor cannot hold
   */
  public Page<T> fetch(Handle handle, PageRequest request, Map<String, ?> parameters) {
    Require.notNull(handle, "handle");
    Require.notNull(parameters, "parameters");
    KeysetPager.Plan plan = pager.open(request, fingerprint(parameters));
    KeysetSql.Rendered rendered = KeysetSql.render(baseQuery, plan);
    Query query = handle.createQuery(rendered.sql());
    parameters.forEach(query::bind);
    rendered.arguments().forEach((name, value) -> query.bind(name, argument(value)));
    query.bind(KeysetSql.LIMIT_PARAM, plan.fetchSize());
    List<KeyedRow<T>> rows = query.map(new KeyedRowMapper<>(mapper, spec().keys())).list();
    return pager.assemble(plan, rows, KeyedRow::keys).map(KeyedRow::item);
  }

  /**
   * Fetches one page on a handle of its own.
   *
   * @param jdbi where to run
   * @param request which page
   * @param parameters the base query's named parameters
   * @return the page
   * @throws IllegalArgumentException see {@link #fetch(Handle, PageRequest, Map)}
   * @throws InvalidCursorException see {@link #fetch(Handle, PageRequest, Map)}
   */
  public Page<T> fetch(Jdbi jdbi, PageRequest request, Map<String, ?> parameters) {
    Require.notNull(jdbi, "jdbi");
    return jdbi.withHandle(h -> fetch(h, request, parameters));
  }

  /** The SQL and seek arguments for a request, for EXPLAIN in tests. */
  KeysetSql.Rendered render(PageRequest request, Map<String, ?> parameters) {
    return KeysetSql.render(baseQuery, pager.open(request, fingerprint(parameters)));
  }

  static Argument argument(Object value) {
    // PgJDBC has no setObject(Instant); as timestamptz it is exact.
    Object bound =
        value instanceof Instant instant
            ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC)
            : value;
    return (position, statement, ctx) -> statement.setObject(position, bound);
  }

  private static String fingerprint(Map<String, ?> parameters) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, ?> e : new TreeMap<String, Object>(parameters).entrySet()) {
      if (e.getKey().startsWith(KeysetSql.PARAM_PREFIX)) {
        throw new IllegalArgumentException(
            "parameter names must not start with \""
                + KeysetSql.PARAM_PREFIX
                + "\" but one was \""
                + e.getKey()
                + "\"");
      }
      Object v = e.getValue();
      String text =
          v == null
              ? "null"
              : v instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(v);
      sb.append(e.getKey())
          .append('=')
          .append(v == null ? "" : v.getClass().getName())
          .append(':')
          .append(text.length())
          .append(':')
          .append(text)
          .append('\n');
    }
    return sb.toString();
  }

  /**
   * Builds a {@link JdbiKeyset}; not thread-safe.
   *
   * @param <T> the item type
   */
  public static final class Builder<T> {
    private final KeysetSpec spec;
    private final CursorCodec codec;
    private final RowMapper<T> mapper;
    private @Nullable String baseQuery;
    private @Nullable AllowList allowedColumns;

    private Builder(KeysetSpec spec, CursorCodec codec, RowMapper<T> mapper) {
      this.spec = spec;
      this.codec = codec;
      this.mapper = mapper;
    }

    /**
     * The query to page: a SELECT with the caller's filters as named parameters (never values
     * concatenated into the text), without ORDER BY, LIMIT or a trailing semicolon. Its output must
     * include every sort key column.
     *
     * @param sql the base query
     * @return this builder
     * @throws IllegalArgumentException if blank or ending with a semicolon
     * @throws IllegalStateException if already set
     */
    public Builder<T> baseQuery(String sql) {
      Require.notNull(sql, "baseQuery");
      Require.notYetSet(baseQuery, "baseQuery");
      String trimmed = sql.strip();
      if (trimmed.isEmpty() || trimmed.endsWith(";")) {
        throw new IllegalArgumentException(
            "baseQuery must be a non-empty query without a trailing semicolon but was \""
                + sql
                + "\"");
      }
      baseQuery = trimmed;
      return this;
    }

    /**
     * The columns a sort may use (the output column labels of the base query). Every sort key, the
     * tiebreaker included, must be one of them; names sorts come from (a {@code ?sort=} parameter)
     * are checked against it before any SQL is made.
     *
     * @param columns identifiers matching {@code [A-Za-z_][A-Za-z0-9_]*}, at most 63 characters
     * @return this builder
     * @throws IllegalArgumentException if a name is not an identifier
     * @throws IllegalStateException if already set
     */
    public Builder<T> allowedColumns(String... columns) {
      Require.notYetSet(allowedColumns, "allowedColumns");
      allowedColumns = AllowList.of("allowedColumns", "column", IDENTIFIER, columns);
      return this;
    }

    /**
     * Builds the keyset query.
     *
     * @return the keyset query
     * @throws IllegalStateException if the base query or allow-list is missing, or a sort key is
     *     not an allowed column (the message names it)
     */
    public JdbiKeyset<T> build() {
      if (baseQuery == null) {
        throw new IllegalStateException("baseQuery must be set");
      }
      if (allowedColumns == null) {
        throw new IllegalStateException("allowedColumns must be set");
      }
      allowedColumns.check(spec);
      return new JdbiKeyset<>(this);
    }
  }
}
