package dev.larder.benchmarks.scenarios;

import dev.larder.benchmarks.Latencies;
import dev.larder.benchmarks.Measurement;
import dev.larder.benchmarks.Params;
import dev.larder.benchmarks.Plots;
import dev.larder.benchmarks.Report;
import dev.larder.benchmarks.Scenario;
import dev.larder.benchmarks.Servers;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.jdbc.keyset.JdbiKeyset;
import dev.larder.testkit.LarderServices;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jspecify.annotations.Nullable;

/**
 * Page latency at increasing depths on one PostgreSQL table and index: Larder's {@link JdbiKeyset}
 * (a row-value seek) against {@code ORDER BY … OFFSET d LIMIT n} on the same handle. Both fetch
 * page size + 1 rows (keyset's has-next probe) and map the same columns.
 */
public final class KeysetScenario implements Scenario {
  private static final int PAGE = 50;
  private static final int SEEK_PAGE = 10_000;

  @Override
  public String name() {
    return "keyset";
  }

  private record Row(long id, OffsetDateTime createdAt, String payload) {}

  private static final RowMapper<Row> ROW =
      (rs, ctx) ->
          new Row(
              rs.getLong("id"),
              rs.getObject("created_at", OffsetDateTime.class),
              rs.getString("payload"));

  private record Result(
      long depth,
      double keysetP50,
      double keysetP99,
      double offsetP50,
      double offsetP99,
      double seekP50) {}

  /** Where a page starts: the cursor after row {@code depth} and that row (null at depth 0). */
  private record Position(@Nullable String cursor, @Nullable Row last) {}

  @Override
  public List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception {
    int rows = quick ? 100_000 : 1_000_000;
    long[] depths =
        quick
            ? new long[] {0, 1_000, 10_000, rows - PAGE}
            : new long[] {0, 100, 1_000, 10_000, 100_000, 500_000, rows - PAGE};
    int reps = quick ? 10 : 30;
    Params params =
        Params.quick(quick).with("rows", rows).with("page_size", PAGE).with("reps", reps);

    KeysetSpec spec =
        KeysetSpec.builder("bench-events")
            .sortBy(SortKey.asc("created_at"))
            .tiebreaker("id")
            .defaultPageSize(PAGE)
            .maxPageSize(SEEK_PAGE)
            .build();
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 7);
    CursorCodec codec = CursorCodec.builder().signingKey("bench", secret).build();
    JdbiKeyset<Row> keyset =
        JdbiKeyset.builder(spec, codec, ROW)
            .baseQuery("SELECT id, created_at, payload FROM events")
            .allowedColumns("id", "created_at")
            .build();
    String offsetSql =
        "SELECT id, created_at, payload FROM events ORDER BY created_at ASC, id ASC"
            + " OFFSET :offset LIMIT :limit";
    // The same seek written by hand, so the library's own cost (cursor signing and checking, the
    // wrapping subquery, key reads) shows apart from the database's.
    String seekSql =
        "SELECT id, created_at, payload FROM events WHERE (created_at, id) > (:c, :id)"
            + " ORDER BY created_at ASC, id ASC LIMIT :limit";
    String firstSql =
        "SELECT id, created_at, payload FROM events ORDER BY created_at ASC, id ASC LIMIT :limit";

    List<Result> results = new ArrayList<>();
    try (Servers servers = new Servers()) {
      String db = servers.database("bench_keyset");
      DataSource ds = servers.pool(LarderServices.postgres().primary(), db, 1, "keyset");
      Jdbi jdbi = Jdbi.create(ds);
      long start = System.nanoTime();
      jdbi.useHandle(
          h -> {
            h.execute(
                "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,"
                    + " payload text NOT NULL)");
            // Timestamps repeat (every 7 rows share one), so the tiebreaker matters as it does in
            // life.
            h.execute(
                "INSERT INTO events SELECT g, timestamptz '2026-01-01 00:00:00+00'"
                    + " + (g / 7) * interval '1 second', md5(g::text) FROM generate_series(1::bigint, ?) g",
                (long) rows);
            h.execute("CREATE INDEX events_created_id ON events (created_at, id)");
            h.execute("VACUUM ANALYZE events");
          });
      report.line(
          String.format(
              Locale.ROOT,
              "  %,d rows loaded and indexed in %.1f s",
              rows,
              (System.nanoTime() - start) / 1e9));

      try (Handle h = jdbi.open()) {
        for (long depth : depths) {
          Position at = cursorAt(keyset, h, depth);
          PageRequest request =
              at.cursor() == null ? PageRequest.first(PAGE) : PageRequest.after(at.cursor(), PAGE);
          Row last = at.last();
          Latencies ks = new Latencies();
          Latencies off = new Latencies();
          Latencies seek = new Latencies();
          List<Long> keysetIds = null;
          List<Long> offsetIds;
          List<Row> offsetRows = List.of();
          List<Row> seekRows = List.of();
          for (int r = 0;
              r < reps + 3;
              r++) { // three unrecorded passes warm the plans and the pages
            for (int q = 0; q < 3; q++) { // the order rotates, so no query always goes first
              int which = (q + r) % 3;
              long t0 = System.nanoTime();
              if (which == 0) {
                keysetIds = keyset.fetch(h, request).items().stream().map(Row::id).toList();
              } else if (which == 1) {
                offsetRows =
                    h.createQuery(offsetSql)
                        .bind("offset", depth)
                        .bind("limit", PAGE + 1)
                        .map(ROW)
                        .list();
              } else {
                seekRows =
                    last == null
                        ? h.createQuery(firstSql).bind("limit", PAGE + 1).map(ROW).list()
                        : h.createQuery(seekSql)
                            .bind("c", last.createdAt())
                            .bind("id", last.id())
                            .bind("limit", PAGE + 1)
                            .map(ROW)
                            .list();
              }
              long took = System.nanoTime() - t0;
              if (r >= 3) {
                (which == 0 ? ks : which == 1 ? off : seek).record(took);
              }
            }
          }
          offsetIds =
              offsetRows.subList(0, Math.min(PAGE, offsetRows.size())).stream()
                  .map(Row::id)
                  .toList();
          if (!offsetIds.equals(
              seekRows.subList(0, Math.min(PAGE, seekRows.size())).stream()
                  .map(Row::id)
                  .toList())) {
            throw new IllegalStateException(
                "hand-written seek and OFFSET disagree at depth " + depth);
          }
          if (!java.util.Objects.equals(keysetIds, offsetIds)) {
            throw new IllegalStateException("keyset and OFFSET disagree at depth " + depth);
          }
          results.add(
              new Result(
                  depth,
                  ks.percentileMillis(50),
                  ks.percentileMillis(99),
                  off.percentileMillis(50),
                  off.percentileMillis(99),
                  seek.percentileMillis(50)));
        }
      }
    }

    report.line("");
    report.line(
        String.format(
            Locale.ROOT,
            "  %10s %14s %14s %16s %14s %14s",
            "depth",
            "keyset p50",
            "OFFSET p50",
            "hand seek p50",
            "keyset p99",
            "OFFSET p99"));
    for (Result r : results) {
      report.line(
          String.format(
              Locale.ROOT,
              "  %,10d %11.2f ms %11.2f ms %13.2f ms %11.2f ms %11.2f ms",
              r.depth(),
              r.keysetP50(),
              r.offsetP50(),
              r.seekP50(),
              r.keysetP99(),
              r.offsetP99()));
    }
    List<Long> x = results.stream().map(r -> Math.max(1, r.depth())).toList();
    plots.lines(
        "keyset-vs-offset.png",
        "Page latency by depth ("
            + String.format(Locale.ROOT, "%,d", rows)
            + " rows, page "
            + PAGE
            + ", p50)",
        "depth (rows skipped, log; the first page is drawn at 1)",
        "ms (log)",
        true,
        true,
        List.of(
            new Plots.Series(
                "keyset (Larder)", x, results.stream().map(Result::keysetP50).toList()),
            new Plots.Series("OFFSET", x, results.stream().map(Result::offsetP50).toList()),
            new Plots.Series(
                "hand-written seek", x, results.stream().map(Result::seekP50).toList())));

    List<Measurement> out = new ArrayList<>();
    for (Result r : results) {
      Map<String, Object> p = params.plus("depth", r.depth()).map();
      out.add(
          new Measurement(
              name(), "page_p50_latency", "ms", r.keysetP50(), r.offsetP50(), "OFFSET", p));
    }
    Result deepest = results.get(results.size() - 1);
    out.add(
        new Measurement(
            name(),
            "page_p99_latency",
            "ms",
            deepest.keysetP99(),
            deepest.offsetP99(),
            "OFFSET",
            params.plus("depth", deepest.depth()).map()));
    out.add(
        new Measurement(
            name(),
            "page_p50_latency",
            "ms",
            deepest.keysetP50(),
            deepest.seekP50(),
            "hand-written row-value seek",
            params.plus("depth", deepest.depth()).map()));
    return out;
  }

  /**
   * A cursor just after row {@code depth}, found the way a client would: paging forward, with large
   * pages so a million rows take a hundred requests.
   */
  private static Position cursorAt(JdbiKeyset<Row> keyset, Handle h, long depth) {
    long seen = 0;
    String cursor = null;
    Row last = null;
    while (seen < depth) {
      int size = (int) Math.min(SEEK_PAGE, depth - seen);
      Page<Row> page =
          keyset.fetch(
              h, cursor == null ? PageRequest.first(size) : PageRequest.after(cursor, size));
      seen += page.items().size();
      last = page.items().get(page.items().size() - 1);
      cursor =
          page.nextCursor()
              .orElseThrow(() -> new IllegalStateException("table ended before depth " + depth));
    }
    return new Position(cursor, last);
  }
}
