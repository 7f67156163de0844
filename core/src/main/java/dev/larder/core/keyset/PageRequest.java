package dev.larder.core.keyset;

import dev.larder.core.internal.Require;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a caller asks for: the first or last page, or the page after or before a cursor; a page size
 * (or the spec's default); and optionally a fingerprint of the filter the query runs with.
 * Immutable.
 *
 * <p>Made straight from REST parameters: {@code PageRequest.after(req.param("after"),
 * req.intParam("limit"))}. A null or empty cursor means "from the start" ({@link #after}) or "from
 * the end" ({@link #before}); a null limit means the spec's default. The limit is checked against
 * the spec's maximum when the page is fetched.
 */
public final class PageRequest {
  private final @Nullable String cursor;
  private final PageDirection direction;
  private final @Nullable Integer limit;
  private final String filterFingerprint;

  private PageRequest(
      @Nullable String cursor,
      PageDirection direction,
      @Nullable Integer limit,
      String filterFingerprint) {
    this.cursor = cursor;
    this.direction = direction;
    this.limit = limit;
    this.filterFingerprint = filterFingerprint;
  }

  /**
   * The first page, with the spec's default size.
   *
   * @return the request
   */
  public static PageRequest first() {
    return new PageRequest(null, PageDirection.FORWARD, null, "");
  }

  /**
   * The first page.
   *
   * @param limit rows per page, or null for the spec's default
   * @return the request
   */
  public static PageRequest first(@Nullable Integer limit) {
    return new PageRequest(null, PageDirection.FORWARD, limit, "");
  }

  /**
   * The last page (read backward from the end), returned in sort order.
   *
   * @param limit rows per page, or null for the spec's default
   * @return the request
   */
  public static PageRequest last(@Nullable Integer limit) {
    return new PageRequest(null, PageDirection.BACKWARD, limit, "");
  }

  /**
   * The page after a {@linkplain Page#nextCursor() next cursor}; the first page if the cursor is
   * null or empty.
   *
   * @param cursor a next cursor, or null/empty
   * @param limit rows per page, or null for the spec's default
   * @return the request
   */
  public static PageRequest after(@Nullable String cursor, @Nullable Integer limit) {
    return new PageRequest(emptyToNull(cursor), PageDirection.FORWARD, limit, "");
  }

  /**
   * The page before a {@linkplain Page#previousCursor() previous cursor}; the last page if the
   * cursor is null or empty.
   *
   * @param cursor a previous cursor, or null/empty
   * @param limit rows per page, or null for the spec's default
   * @return the request
   */
  public static PageRequest before(@Nullable String cursor, @Nullable Integer limit) {
    return new PageRequest(emptyToNull(cursor), PageDirection.BACKWARD, limit, "");
  }

  /**
   * This request, bound to a filter: cursors issued for it are rejected for a request with another
   * filter fingerprint ({@link InvalidCursorException.Reason#WRONG_QUERY}). Backends add the
   * fingerprint of the parameters and filters they are given; use this for anything else the
   * results depend on (a tenant, a user's visibility rules).
   *
   * @param fingerprint any stable text describing the filter (it is hashed, never sent)
   * @return a new request
   */
  public PageRequest withFilter(String fingerprint) {
    Require.notNull(fingerprint, "fingerprint");
    return new PageRequest(cursor, direction, limit, fingerprint);
  }

  /**
   * The cursor, if any.
   *
   * @return the cursor, or null for the first or last page
   */
  public @Nullable String cursor() {
    return cursor;
  }

  /**
   * The direction: {@code FORWARD} for {@link #first}/{@link #after}, {@code BACKWARD} for {@link
   * #last}/{@link #before}.
   *
   * @return the direction
   */
  public PageDirection direction() {
    return direction;
  }

  /**
   * The requested page size.
   *
   * @return rows per page, or null for the spec's default
   */
  public @Nullable Integer limit() {
    return limit;
  }

  /**
   * The filter fingerprint given to {@link #withFilter}, or the empty string.
   *
   * @return the fingerprint
   */
  public String filterFingerprint() {
    return filterFingerprint;
  }

  private static @Nullable String emptyToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Does not show the cursor. */
  @Override
  public String toString() {
    return "PageRequest{"
        + direction
        + (cursor == null ? ", from the edge" : ", from a cursor")
        + ", limit="
        + limit
        + "}";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PageRequest r)) {
      return false;
    }
    return Objects.equals(cursor, r.cursor)
        && direction == r.direction
        && Objects.equals(limit, r.limit)
        && filterFingerprint.equals(r.filterFingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(cursor, direction, limit, filterFingerprint);
  }
}
