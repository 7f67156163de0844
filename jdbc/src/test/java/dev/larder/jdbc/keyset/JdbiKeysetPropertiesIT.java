package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.StringJoiner;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random sorts (columns, directions, null placements, declared nullability, tiebreaker direction),
 * random small data with duplicates and NULLs, random page sizes: walking forward and walking
 * backward both give exactly what PostgreSQL's ORDER BY gives.
 */
class JdbiKeysetPropertiesIT {
  private static final String[] COLUMNS = {"a", "b", "c"};
  private static final RowMapper<Long> ID = (rs, ctx) -> rs.getLong("id");
  private static final CursorCodec CODEC = KeysetFixtures.codec("p", 'p');

  static Jdbi jdbi;

  @BeforeAll
  static void createTable() {
    jdbi = KeysetFixtures.freshDatabase("keyset_prop");
    jdbi.useHandle(
        h ->
            h.execute("CREATE TABLE t (id bigint PRIMARY KEY, a int, b text," + " c timestamptz)"));
  }

  /** One generated case. */
  record Scenario(
      List<int[]> rows,
      List<Boolean> nullsIn,
      List<Integer> keyOrder,
      List<Boolean> ascending,
      List<Boolean> nullsFirst,
      List<Boolean> declareNullable,
      boolean idDescending,
      int pageSize) {

    @Override
    public String toString() {
      return "Scenario{"
          + rows.size()
          + " rows, spec="
          + spec().keys()
          + ", nullsIn="
          + nullsIn
          + ", pageSize="
          + pageSize
          + "}";
    }

    KeysetSpec spec() {
      List<SortKey> keys = new ArrayList<>();
      for (int col : keyOrder) {
        SortKey k = ascending.get(col) ? SortKey.asc(COLUMNS[col]) : SortKey.desc(COLUMNS[col]);
        if (nullsIn.get(col) || declareNullable.get(col)) {
          k = nullsFirst.get(col) ? k.nullsFirst() : k.nullsLast();
        }
        keys.add(k);
      }
      KeysetSpec.Builder b = KeysetSpec.builder("prop");
      if (idDescending) {
        keys.add(SortKey.desc("id").unique());
        return b.sortBy(keys.toArray(SortKey[]::new)).build();
      }
      return b.sortBy(keys.toArray(SortKey[]::new)).tiebreaker("id").build();
    }

    /** 0 is NULL where the column takes NULLs; values repeat often (domain of three). */
    String insert() {
      StringJoiner values = new StringJoiner(",\n");
      for (int i = 0; i < rows.size(); i++) {
        int[] r = rows.get(i);
        values.add(
            "("
                + (i + 1)
                + ", "
                + value(0, r[0], "%d")
                + ", "
                + value(1, r[1], "'v%d'")
                + ", "
                + value(
                    2, r[2], "timestamptz '2026-01-01 00:00:00+00' + %d * interval '1 microsecond'")
                + ")");
      }
      return "INSERT INTO t VALUES " + values;
    }

    private String value(int col, int v, String format) {
      if (v == 0) {
        return nullsIn.get(col) ? "NULL" : String.format(format, 1);
      }
      return String.format(format, v);
    }
  }

  /**
   * Up to 40 rows of three cells in [0, 3], then per column whether it takes NULLs, its direction,
   * its NULL placement and whether it is declared nullable; 1 to 3 columns in a random order; the
   * tiebreaker's direction; a page size in [1, 7].
   */
  static Scenario scenario(Random r) {
    List<int[]> rows =
        Gen.listOf(
            r,
            0,
            40,
            g ->
                new int[] {
                  Gen.intBetween(g, 0, 3), Gen.intBetween(g, 0, 3), Gen.intBetween(g, 0, 3)
                });
    List<Boolean> nullsIn = Gen.booleans(r, 3);
    List<Integer> keyOrder = Gen.shuffledSubset(r, List.of(0, 1, 2), 1, 3);
    return new Scenario(
        rows,
        nullsIn,
        keyOrder,
        Gen.booleans(r, 3),
        Gen.booleans(r, 3),
        Gen.booleans(r, 3),
        r.nextBoolean(),
        Gen.intBetween(r, 1, 7));
  }

  @Test
  void walkingEitherWayEqualsOrderBy() {
    Property.forAll(
        "jdbi keyset walks equal ORDER BY",
        80,
        JdbiKeysetPropertiesIT::scenario,
        JdbiKeysetPropertiesIT::walksEqualOrderBy);
  }

  private static void walksEqualOrderBy(Scenario s) {
    KeysetSpec spec = s.spec();
    JdbiKeyset<Long> keyset =
        JdbiKeyset.builder(spec, CODEC, ID)
            .baseQuery("SELECT id, a, b, c FROM t")
            .allowedColumns("id", "a", "b", "c")
            .build();
    jdbi.useHandle(
        h -> {
          h.execute("DELETE FROM t");
          if (!s.rows().isEmpty()) {
            h.execute(s.insert());
          }
          List<Long> expected =
              h.createQuery("SELECT id FROM t ORDER BY " + KeysetFixtures.orderBy(spec.keys()))
                  .mapTo(Long.class)
                  .list();
          List<Page<Long>> pages = new ArrayList<>();
          int most = s.rows().size() + 2;
          assertThat(
                  KeysetFixtures.walkForward(
                      atMost(most, r -> keyset.fetch(h, r)), s.pageSize(), pages))
              .as("forward")
              .isEqualTo(expected);
          assertThat(
                  KeysetFixtures.walkBackward(
                      atMost(most, r -> keyset.fetch(h, r)), s.pageSize(), pages))
              .as("backward")
              .isEqualTo(expected);
        });
  }

  /**
   * Fails the try, instead of hanging the build, when a walk asks for more pages than a correct one
   * can take: each page but the last holds at least one row, and no row comes twice.
   */
  static <T> Function<PageRequest, Page<T>> atMost(
      int pages, Function<PageRequest, Page<T>> fetch) {
    int[] calls = {0};
    return r -> {
      if (++calls[0] > pages) {
        throw new AssertionError("the walk did not end after " + pages + " pages");
      }
      return fetch.apply(r);
    };
  }
}
