package dev.larder.jdbc.keyset;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.NullOrdering;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortDirection;
import dev.larder.core.keyset.SortKey;
import dev.larder.testkit.LarderServices;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jspecify.annotations.Nullable;

/** Shared pieces of the keyset ITs: databases, the items table, walks, an ORDER BY oracle. */
final class KeysetFixtures {
  private KeysetFixtures() {}

  static CursorCodec codec(String keyId, char fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return CursorCodec.builder().signingKey(keyId, secret).build();
  }

  static Jdbi freshDatabase(String hint) {
    String db = LarderServices.postgres().createDatabase(hint);
    return Jdbi.create(LarderServices.postgres().primary().dataSource(db));
  }

  /** A row of the items table with its sort columns. */
  record Item(
      long id, @Nullable String category, @Nullable BigDecimal price, OffsetDateTime createdAt) {
    List<@Nullable Object> keys() {
      return Arrays.asList(category, price, createdAt, id);
    }
  }

  static final RowMapper<Item> ITEM =
      (rs, ctx) ->
          new Item(
              rs.getLong("id"),
              rs.getString("category"),
              rs.getBigDecimal("price"),
              rs.getObject("created_at", OffsetDateTime.class));

  static final String ITEMS_COLUMNS = "id, category, price, created_at, owner";

  /**
   * Creates {@code items} with {@code n} rows: duplicates in the leading keys, NULLs in category (1
   * in 17) and price (1 in 13), timestamps 37 microseconds apart (so a millisecond holds several),
   * and the composite index matching the walk's sort.
   */
  static void createItems(Jdbi jdbi, int n) {
    jdbi.useHandle(
        h -> {
          h.execute(
              "CREATE TABLE items (id bigint PRIMARY KEY, category text, price numeric(10,2),"
                  + " created_at timestamptz NOT NULL, owner int NOT NULL)");
          h.execute(
              "INSERT INTO items SELECT g,"
                  + " CASE WHEN g % 17 = 0 THEN NULL ELSE 'cat' || (g % 7) END,"
                  + " CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 7919) % 400) / 4.0 END,"
                  + " timestamptz '2026-01-01 00:00:00+00' + ((g * 104729) % 40000) * interval '37 microseconds',"
                  + " g % 3"
                  + " FROM generate_series(1::bigint, ?) g",
              (long) n);
          h.execute(
              "CREATE INDEX items_walk ON items"
                  + " (category ASC NULLS LAST, price DESC NULLS FIRST, created_at ASC, id ASC)");
          h.execute("ANALYZE items");
        });
  }

  /** ORDER BY text for keys, written independently of the code under test. */
  static String orderBy(List<SortKey> keys) {
    StringJoiner j = new StringJoiner(", ");
    for (SortKey k : keys) {
      j.add(
          k.name()
              + " "
              + k.direction()
              + " "
              + (k.nulls() == NullOrdering.NULLS_FIRST ? "NULLS FIRST" : "NULLS LAST"));
    }
    return j.toString();
  }

  /** Walks every page forward from the first, checking the flags on the way. */
  static <T> List<T> walkForward(
      Function<PageRequest, Page<T>> fetch, int limit, List<Page<T>> pagesOut) {
    List<T> seen = new ArrayList<>();
    Page<T> page = fetch.apply(PageRequest.first(limit));
    if (page.hasPrevious()) {
      throw new AssertionError("first page has a previous page");
    }
    while (true) {
      pagesOut.add(page);
      seen.addAll(page.items());
      if (!page.hasNext()) {
        break;
      }
      page = fetch.apply(PageRequest.after(page.nextCursor().orElseThrow(), limit));
    }
    return seen;
  }

  /** Walks every page backward from the last; returns the rows in sort order. */
  static <T> List<T> walkBackward(
      Function<PageRequest, Page<T>> fetch, int limit, List<Page<T>> pagesOut) {
    List<List<T>> pages = new ArrayList<>();
    Page<T> page = fetch.apply(PageRequest.last(limit));
    if (page.hasNext()) {
      throw new AssertionError("last page has a next page");
    }
    while (true) {
      pagesOut.add(page);
      pages.add(page.items());
      if (!page.hasPrevious()) {
        break;
      }
      page = fetch.apply(PageRequest.before(page.previousCursor().orElseThrow(), limit));
    }
    Collections.reverse(pages);
    List<T> seen = new ArrayList<>();
    pages.forEach(seen::addAll);
    return seen;
  }

  /** The order the keys define, in the JVM, for rows whose keys are listed in key order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Comparator<List<@Nullable Object>> comparator(List<SortKey> keys) {
    Comparator<List<@Nullable Object>> c = (a, b) -> 0;
    for (int i = 0; i < keys.size(); i++) {
      int index = i;
      SortKey k = keys.get(i);
      Comparator<Comparable> natural = Comparator.naturalOrder();
      Comparator<Comparable> dir =
          k.direction() == SortDirection.ASC ? natural : natural.reversed();
      Comparator<Comparable> withNulls =
          k.nulls() == NullOrdering.NULLS_FIRST
              ? Comparator.nullsFirst(dir)
              : Comparator.nullsLast(dir);
      c = c.thenComparing(row -> (Comparable) row.get(index), withNulls);
    }
    return c;
  }
}
