package dev.larder.core.keyset;

import dev.larder.core.internal.Require;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The steps every keyset backend shares, whatever the database: {@link #open} checks a request
 * (page size, cursor, direction) and says what to fetch; {@link #assemble} turns the fetched rows
 * into a {@link Page} with signed cursors. A backend (larder-jdbc's {@code JdbiKeyset},
 * larder-mongo's {@code MongoKeyset}, or your own) only turns a {@link Plan} into a query.
 * Immutable and thread-safe.
 */
public final class KeysetPager {
  private final KeysetSpec spec;
  private final CursorCodec codec;

  private KeysetPager(KeysetSpec spec, CursorCodec codec) {
    this.spec = spec;
    this.codec = codec;
  }

  /**
   * A pager for one spec.
   *
   * @param spec the keyset
   * @param codec makes and checks cursors
   * @return the pager
   */
  public static KeysetPager of(KeysetSpec spec, CursorCodec codec) {
    return new KeysetPager(Require.notNull(spec, "spec"), Require.notNull(codec, "codec"));
  }

  /**
   * The keyset.
   *
   * @return the spec
   */
  public KeysetSpec spec() {
    return spec;
  }

  /**
   * Checks a request and plans the fetch.
   *
   * @param request what the caller asked for
   * @param backendFilterFingerprint a stable description of the filter the backend runs with (bound
   *     parameters, a filter document), combined with the request's own filter fingerprint; cursors
   *     are bound to both
   * @return the plan
   * @throws IllegalArgumentException if the limit is not in [1, maxPageSize]
   * @throws InvalidCursorException if the cursor is invalid, bound to another query, sort or
   *     filter, or was issued for the other direction
   */
  public Plan open(PageRequest request, String backendFilterFingerprint) {
    Require.notNull(request, "request");
    Require.notNull(backendFilterFingerprint, "backendFilterFingerprint");
    Integer requested = request.limit();
    int limit = requested == null ? spec.defaultPageSize() : requested;
    Require.inRange(limit, 1, spec.maxPageSize(), "limit");
    String binding =
        spec.fingerprint()
            + '\n'
            + backendFilterFingerprint.length()
            + ':'
            + backendFilterFingerprint
            + '\n'
            + request.filterFingerprint();
    List<@Nullable Object> boundary = null;
    String cursor = request.cursor();
    if (cursor != null) {
      DecodedCursor decoded = codec.decode(cursor, binding);
      if (decoded.direction() != request.direction()) {
        throw new InvalidCursorException(InvalidCursorException.Reason.WRONG_DIRECTION);
      }
      boundary = decoded.values();
      if (boundary.size() != spec.keys().size()) {
        throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
      }
      for (int i = 0; i < boundary.size(); i++) {
        if (boundary.get(i) == null && !spec.keys().get(i).nullable()) {
          throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
        }
      }
    }
    return new Plan(
        request.direction(), spec.keysFor(request.direction()), boundary, limit, binding);
  }

  /**
   * Makes the page from the rows fetched for a plan.
   *
   * @param plan the plan from {@link #open}
   * @param fetched the rows in the order the plan's keys give (reversed order for a backward page),
   *     at most {@link Plan#fetchSize()}
   * @param keyValues a row's key values, in sort-key order (null where the row holds NULL)
   * @param <T> the row type
   * @return the page, items in sort order
   * @throws IllegalArgumentException if more rows than {@link Plan#fetchSize()} are given
   * @throws IllegalStateException if a row has the wrong number of key values, NULL in a key not
   *     declared nullable, or a value a cursor cannot hold
   */
  public <T> Page<T> assemble(
      Plan plan,
      List<T> fetched,
      Function<? super T, ? extends List<? extends @Nullable Object>> keyValues) {
    Require.notNull(plan, "plan");
    Require.notNull(fetched, "fetched");
    Require.notNull(keyValues, "keyValues");
    if (fetched.size() > plan.fetchSize()) {
      throw new IllegalArgumentException(
          "fetched must have at most " + plan.fetchSize() + " rows but had " + fetched.size());
    }
    boolean more = fetched.size() > plan.limit();
    List<T> items = new ArrayList<>(fetched.subList(0, Math.min(plan.limit(), fetched.size())));
    List<List<? extends @Nullable Object>> keys = new ArrayList<>(items.size());
    for (T item : items) {
      keys.add(checkedKeys(keyValues.apply(item)));
    }
    boolean forward = plan.direction() == PageDirection.FORWARD;
    if (!forward) {
      Collections.reverse(items);
      Collections.reverse(keys);
    }
    boolean fromCursor = plan.boundary() != null;
    boolean hasNext = forward ? more : fromCursor;
    boolean hasPrevious = forward ? fromCursor : more;
    String next = null;
    String previous = null;
    if (!items.isEmpty()) {
      if (hasNext) {
        next = encode(PageDirection.FORWARD, keys.get(keys.size() - 1), plan.binding);
      }
      if (hasPrevious) {
        previous = encode(PageDirection.BACKWARD, keys.get(0), plan.binding);
      }
    }
    return new Page<>(items, hasNext, hasPrevious, next, previous);
  }

  private String encode(
      PageDirection direction, List<? extends @Nullable Object> values, String binding) {
    try {
      return codec.encode(direction, values, binding);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "a row's key values cannot go into a cursor for " + spec.keys() + ": " + e.getMessage(),
          e);
    }
  }

  private List<? extends @Nullable Object> checkedKeys(
      @Nullable List<? extends @Nullable Object> values) {
    List<SortKey> keys = spec.keys();
    if (values == null || values.size() != keys.size()) {
      throw new IllegalStateException(
          "a row must have "
              + keys.size()
              + " key values ("
              + keys
              + ") but had "
              + (values == null ? "none" : values.size()));
    }
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null && !keys.get(i).nullable()) {
        throw new IllegalStateException(
            "sort key \""
                + keys.get(i).name()
                + "\" is declared not nullable but a row holds NULL in it;"
                + " declare it with nullsFirst() or nullsLast()");
      }
    }
    return values;
  }

  /** What to fetch for one request. Immutable. */
  public static final class Plan {
    private final PageDirection direction;
    private final List<SortKey> keys;
    private final @Nullable List<@Nullable Object> boundary;
    private final int limit;
    private final String binding;

    Plan(
        PageDirection direction,
        List<SortKey> keys,
        @Nullable List<@Nullable Object> boundary,
        int limit,
        String binding) {
      this.direction = direction;
      this.keys = keys;
      this.boundary = boundary;
      this.limit = limit;
      this.binding = binding;
    }

    /**
     * The direction the page is read in.
     *
     * @return the direction
     */
    public PageDirection direction() {
      return direction;
    }

    /**
     * The keys the query must order by, strictly after the boundary: the spec's keys for a forward
     * page, every one reversed for a backward page.
     *
     * @return an immutable list
     */
    public List<SortKey> keys() {
      return keys;
    }

    /**
     * The boundary row's key values in key order (null elements where it held NULL), or null for
     * the first or last page (no boundary).
     *
     * @return the values, or null
     */
    public @Nullable List<@Nullable Object> boundary() {
      return boundary;
    }

    /**
     * Rows on the page.
     *
     * @return the page size
     */
    public int limit() {
      return limit;
    }

    /**
     * Rows to fetch: one more than the page, to know whether another page follows without counting.
     *
     * @return {@code limit() + 1}
     */
    public int fetchSize() {
      return limit + 1;
    }

    @Override
    public String toString() {
      return "Plan{"
          + direction
          + ", "
          + keys
          + ", "
          + (boundary == null ? "from the edge" : "from a cursor")
          + ", limit="
          + limit
          + "}";
    }
  }
}
