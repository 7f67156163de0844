package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A deep page is answered by a range scan of the matching composite index, not by sorting the
 * table: EXPLAIN after ANALYZE, on 100,000 rows.
 */
class JdbiKeysetExplainIT {
  static final int ROWS = 100_000;
  static Jdbi jdbi;
  static final RowMapper<Long> ID = (rs, ctx) -> rs.getLong("id");

  @BeforeAll
  static void createTable() {
    jdbi = KeysetFixtures.freshDatabase("keyset_explain");
    jdbi.useHandle(
        h -> {
          h.execute(
              "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,"
                  + " payload text NOT NULL)");
          h.execute(
              "INSERT INTO events SELECT g,"
                  + " timestamptz '2026-01-01 00:00:00+00' + ((g * 7919) % 50000) * interval '3 microseconds',"
                  + " repeat('x', 50) FROM generate_series(1::bigint, ?) g",
              (long) ROWS);
          h.execute("CREATE INDEX events_created_id ON events (created_at, id)");
          h.execute("CREATE INDEX events_created_desc_id ON events (created_at DESC, id ASC)");
          h.execute("ALTER TABLE events ADD COLUMN tag text");
          h.execute(
              "UPDATE events SET tag = CASE WHEN id % 10 = 0 THEN NULL ELSE 't' || (id % 97) END");
          h.execute("CREATE INDEX events_tag_id ON events (tag ASC NULLS LAST, id)");
          h.execute("VACUUM ANALYZE events");
        });
  }

  /**
   * A nullable first key (ASC NULLS LAST) after a value leaves two index ranges, the values after
   * it and the NULLs: each is read by its own bounded index scan, not by filtering the index from
   * its start (which made every deep page cost the rows before it).
   */
  @Test
  void nullableLeadingKeySeeksBothIndexRanges() {
    JdbiKeyset<Long> keyset = keyset(SortKey.asc("tag").nullsLast());
    String plan = explainPageAfter(keyset, 50_000);
    assertThat(plan)
        .contains("using events_tag_id")
        .containsPattern("Index Cond: \\(tag >= ")
        .contains("Index Cond: (tag IS NULL)")
        .doesNotContain("Seq Scan");
  }

  @Test
  void nullableLeadingKeyPageAfterANullSeeksTheNulls() {
    JdbiKeyset<Long> keyset = keyset(SortKey.asc("tag").nullsLast());
    String plan = explainPageAfter(keyset, 95_000); // inside the NULLs, which sort last
    assertThat(plan)
        .contains("Index Scan using events_tag_id")
        .contains("Index Cond: ((tag IS NULL) AND (id > ")
        .doesNotContain("Seq Scan")
        .doesNotContain("tag >= ")
        .doesNotContain("Sort");
  }

  static JdbiKeyset<Long> keyset(SortKey first) {
    KeysetSpec spec =
        KeysetSpec.builder("events").sortBy(first).tiebreaker("id").maxPageSize(ROWS).build();
    return JdbiKeyset.builder(spec, KeysetFixtures.codec("k", 'e'), ID)
        .baseQuery("SELECT id, created_at, payload, tag FROM events")
        .allowedColumns("id", "created_at", "payload", "tag")
        .build();
  }

  /** EXPLAIN of the page after row {@code depth}. */
  static String explainPageAfter(JdbiKeyset<Long> keyset, int depth) {
    return jdbi.withHandle(
        h -> {
          Page<Long> skip = keyset.fetch(h, PageRequest.first(depth));
          KeysetSql.Rendered r =
              keyset.render(PageRequest.after(skip.nextCursor().orElseThrow(), 500), Map.of());
          Query q = h.createQuery("EXPLAIN " + r.sql());
          r.arguments().forEach((name, v) -> q.bind(name, JdbiKeyset.argument(v)));
          q.bind(KeysetSql.LIMIT_PARAM, 501);
          return String.join("\n", q.mapTo(String.class).list());
        });
  }

  @Test
  void rowValueSeekUsesTheCompositeIndexWithoutSorting() {
    JdbiKeyset<Long> keyset = keyset(SortKey.asc("created_at"));
    String plan = explainPageAfter(keyset, 90_000);
    assertThat(plan)
        .contains("Index Scan using events_created_id on events")
        .containsPattern("Index Cond: \\(ROW\\(created_at, id\\) > ROW\\(")
        .doesNotContain("Sort")
        .doesNotContain("Seq Scan");
  }

  /**
   * The OR-chain of a mixed-direction sort carries a leading bound on the first key, so the
   * matching index gives a range; with most of the table after the boundary the planner reads that
   * range in index order. (Near the end of the table it may instead bitmap-scan the short remaining
   * range and sort it, which is also bounded by the range, not the table.)
   */
  @Test
  void mixedDirectionSeekUsesTheMatchingIndexWithALeadingBound() {
    JdbiKeyset<Long> keyset = keyset(SortKey.desc("created_at"));
    assertThat(explainPageAfter(keyset, 90_000))
        .contains("Index Cond: (created_at <= ")
        .doesNotContain("Seq Scan");
    String plan = explainPageAfter(keyset, 10_000);
    assertThat(plan)
        .contains("Index Scan using events_created_desc_id on events")
        .containsPattern("Index Cond: \\(created_at <= ")
        .doesNotContain("Sort")
        .doesNotContain("Seq Scan");
  }

  @Test
  void explainedQueryReturnsTheRowsOrderByDoes() {
    JdbiKeyset<Long> keyset = keyset(SortKey.desc("created_at"));
    List<Long> expected =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT id FROM events ORDER BY created_at DESC, id OFFSET 90000 LIMIT 500")
                    .mapTo(Long.class)
                    .list());
    List<Long> page =
        jdbi.withHandle(
            h -> {
              Page<Long> skip = keyset.fetch(h, PageRequest.first(90_000));
              return keyset
                  .fetch(h, PageRequest.after(skip.nextCursor().orElseThrow(), 500))
                  .items();
            });
    assertThat(page).isEqualTo(expected);
  }
}
