package dev.larder.jdbc.keyset;

import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Not a test: a manual probe for the closing note. Loads {@code rows} rows into the
 * testkit's PostgreSQL and times a 50-row page at row 0 and at the last page, keyset against
 * OFFSET, for a one-direction sort (row-value seek), a mixed-direction sort (OR-chain seek) and a
 * nullable first key (two index ranges), all in one run, runs interleaved. Prints medians and p95s;
 * asserts nothing. The benchmarks module will own this scenario.
 *
 * <pre>{@code
 * ./mvnw -o -q -pl jdbc -am test-compile -Dinvoker.skip
 * java -cp "jdbc/target/test-classes:jdbc/target/classes:$(cat /tmp/cp.txt)" \
 *     dev.larder.jdbc.keyset.KeysetLatencyProbe 1000000 30
 * }</pre>
 */
final class KeysetLatencyProbe {
  private static final int PAGE = 50;
  private static final RowMapper<Long> ID = (rs, ctx) -> rs.getLong("id");

  private KeysetLatencyProbe() {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Jdbi jdbi = KeysetFixtures.freshDatabase("keyset_latency");
    long t0 = System.nanoTime();
    jdbi.useHandle(
        h -> {
          h.execute(
              "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,"
                  + " tag text, payload text NOT NULL)");
          h.execute(
              "INSERT INTO events SELECT g, timestamptz '2026-01-01 00:00:00+00'"
                  + " + ((g * 7919) % 500000) * interval '3 microseconds',"
                  + " CASE WHEN g % 10 = 0 THEN NULL ELSE 't' || (g % 997) END, md5(g::text)"
                  + " FROM generate_series(1::bigint, ?) g",
              (long) rows);
          h.execute("CREATE INDEX events_created_id ON events (created_at, id)");
          h.execute("CREATE INDEX events_created_desc_id ON events (created_at DESC, id ASC)");
          h.execute("CREATE INDEX events_tag_id ON events (tag ASC NULLS LAST, id)");
          h.execute("VACUUM ANALYZE events");
        });
    System.out.printf(
        Locale.ROOT,
        "loaded %,d rows and three indexes in %.1f s (%s)%n",
        rows,
        (System.nanoTime() - t0) / 1e9,
        jdbi.withHandle(h -> h.createQuery("SELECT version()").mapTo(String.class).one()));

    Map<String, Supplier<List<Long>>> cases = new LinkedHashMap<>();
    jdbi.useHandle(
        h -> {
          Map<String, SortKey> sorts = new LinkedHashMap<>();
          sorts.put("created_at ASC, id ASC (row value)", SortKey.asc("created_at"));
          sorts.put("created_at DESC, id ASC (OR-chain)", SortKey.desc("created_at"));
          sorts.put("tag ASC NULLS LAST, id ASC (two ranges)", SortKey.asc("tag").nullsLast());
          for (Map.Entry<String, SortKey> sort : sorts.entrySet()) {
            String label = sort.getKey();
            SortKey first = sort.getValue();
            KeysetSpec spec = KeysetSpec.builder("events").sortBy(first).tiebreaker("id").build();
            JdbiKeyset<Long> keyset =
                JdbiKeyset.builder(spec, KeysetFixtures.codec("k", 'l'), ID)
                    .baseQuery("SELECT id, created_at, tag, payload FROM events")
                    .allowedColumns("id", "created_at", "tag")
                    .build();
            String deepCursor = deepCursor(h, keyset);
            String order = KeysetFixtures.orderBy(spec.keys());
            cases.put(
                label + " | keyset row 0", () -> keyset.fetch(h, PageRequest.first(PAGE)).items());
            cases.put(label + " | OFFSET row 0", () -> offset(h, order, 0));
            cases.put(
                label + " | keyset row " + (rows - PAGE),
                () -> keyset.fetch(h, PageRequest.after(deepCursor, PAGE)).items());
            cases.put(
                label + " | OFFSET row " + (rows - PAGE), () -> offset(h, order, rows - PAGE));
            List<Long> k = cases.get(label + " | keyset row " + (rows - PAGE)).get();
            List<Long> o = cases.get(label + " | OFFSET row " + (rows - PAGE)).get();
            if (!k.equals(o)) {
              throw new IllegalStateException("deep pages differ: " + k + " vs " + o);
            }
          }
          Map<String, long[]> nanos = new LinkedHashMap<>();
          cases.keySet().forEach(c -> nanos.put(c, new long[runs]));
          for (int warm = 0; warm < 3; warm++) {
            cases.values().forEach(Supplier::get);
          }
          for (int r = 0; r < runs; r++) {
            for (Map.Entry<String, Supplier<List<Long>>> c : cases.entrySet()) {
              long s = System.nanoTime();
              c.getValue().get();
              nanos.get(c.getKey())[r] = System.nanoTime() - s;
            }
          }
          System.out.printf(
              Locale.ROOT, "%-72s %10s %10s%n", "sort | method at row", "median ms", "p95 ms");
          nanos.forEach(
              (c, n) -> {
                Arrays.sort(n);
                System.out.printf(
                    Locale.ROOT,
                    "%-72s %10.3f %10.3f%n",
                    c,
                    n[n.length / 2] / 1e6,
                    n[(int) Math.ceil(n.length * 0.95) - 1] / 1e6);
              });
        });
  }

  /** A next cursor whose page is the last one: two backward reads from the end. */
  private static String deepCursor(Handle h, JdbiKeyset<Long> keyset) {
    Page<Long> last = keyset.fetch(h, PageRequest.last(PAGE));
    Page<Long> before =
        keyset.fetch(h, PageRequest.before(last.previousCursor().orElseThrow(), PAGE));
    return before.nextCursor().orElseThrow();
  }

  private static List<Long> offset(Handle h, String order, int offset) {
    return new ArrayList<>(
        h.createQuery(
                "SELECT id, created_at, tag, payload FROM events ORDER BY "
                    + order
                    + " OFFSET :o LIMIT :l")
            .bind("o", offset)
            .bind("l", PAGE)
            .map(ID)
            .list());
  }
}
