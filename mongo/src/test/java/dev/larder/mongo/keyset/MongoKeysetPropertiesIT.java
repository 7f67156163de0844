package dev.larder.mongo.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageDirection;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random sorts (fields, directions, declared nullability), random small data (duplicates, null,
 * missing, ints and doubles in one field), random page sizes: walking forward and walking backward
 * both give exactly the sorted list, which is the server's own sorted find and MongoDB's documented
 * order.
 */
class MongoKeysetPropertiesIT {
  private static final String[] FIELDS = {"a", "b", "c"};

  static MongoCollection<Document> items;

  @BeforeAll
  static void createCollection() {
    items = MongoKeysetFixtures.freshCollection("prop");
  }

  /** One generated case; a cell is 0 for missing, 1 for null, else a value code. */
  record Scenario(
      List<List<Integer>> cells,
      List<Integer> keyOrder,
      List<Boolean> ascending,
      List<Boolean> declareNullable,
      int pageSize) {

    @Override
    public String toString() {
      return "Scenario{" + cells + ", spec=" + spec().keys() + ", pageSize=" + pageSize + "}";
    }

    boolean holdsNulls(int field) {
      return cells.stream().anyMatch(row -> row.get(field) < 2);
    }

    KeysetSpec spec() {
      List<SortKey> keys = new ArrayList<>();
      for (int f : keyOrder) {
        boolean asc = ascending.get(f);
        SortKey k = asc ? SortKey.asc(FIELDS[f]) : SortKey.desc(FIELDS[f]);
        if (holdsNulls(f) || declareNullable.get(f)) {
          k = asc ? k.nullsFirst() : k.nullsLast(); // MongoDB's only placement
        }
        keys.add(k);
      }
      return MongoKeyset.spec("prop").sortBy(keys.toArray(SortKey[]::new)).build();
    }

    List<Document> documents() {
      List<Document> docs = new ArrayList<>();
      byte[] oid = new byte[12];
      for (int i = 0; i < cells.size(); i++) {
        oid[0] = (byte) (i * 37); // ids out of insertion order
        oid[11] = (byte) i;
        Document d = new Document("_id", new ObjectId(oid));
        List<Integer> row = cells.get(i);
        put(d, "a", row.get(0), v -> v % 2 == 0 ? (Object) v : (Object) (v - 0.5));
        put(d, "b", row.get(1), v -> "v" + v);
        put(d, "c", row.get(2), v -> new Date(1_700_000_000_000L + v));
        docs.add(d);
      }
      return docs;
    }

    private static void put(
        Document d, String field, int cell, java.util.function.IntFunction<Object> value) {
      if (cell == 1) {
        d.append(field, null);
      } else if (cell > 1) {
        d.append(field, value.apply(cell));
      }
    }
  }

  /**
   * Up to 40 documents of three cells in [0, 5]; 1 to 3 fields in a random order; per field its
   * direction and whether it is declared nullable; a page size in [1, 7].
   */
  static Scenario scenario(Random r) {
    List<List<Integer>> cells =
        Gen.listOf(
            r,
            0,
            40,
            g ->
                List.of(Gen.intBetween(g, 0, 5), Gen.intBetween(g, 0, 5), Gen.intBetween(g, 0, 5)));
    List<Integer> keyOrder = Gen.shuffledSubset(r, List.of(0, 1, 2), 1, 3);
    return new Scenario(
        cells, keyOrder, Gen.booleans(r, 3), Gen.booleans(r, 3), Gen.intBetween(r, 1, 7));
  }

  @Test
  void walkingEitherWayEqualsTheSortedList() {
    Property.forAll(
        "mongo keyset walks equal the sorted list",
        30,
        MongoKeysetPropertiesIT::scenario,
        MongoKeysetPropertiesIT::walksEqualTheSortedList);
  }

  private static void walksEqualTheSortedList(Scenario s) {
    KeysetSpec spec = s.spec();
    MongoKeyset<Object> keyset =
        MongoKeyset.builder(spec, MongoKeysetFixtures.codec("p", 'p'), d -> d.get("_id"))
            .allowedFields(FIELDS)
            .build();
    items.deleteMany(new Document());
    List<Document> docs = s.documents();
    if (!docs.isEmpty()) {
      items.insertMany(docs);
    }
    List<Object> expected = MongoKeysetFixtures.sortedIds(items, new Document(), spec.keys());
    List<Document> oracle = new ArrayList<>(docs);
    oracle.sort(MongoKeysetFixtures.documentedOrder(spec.keys()));
    assertThat(expected)
        .as("server order = documented order")
        .isEqualTo(oracle.stream().map(d -> d.get("_id")).toList());
    for (PageDirection direction : PageDirection.values()) {
      assertThat(
              MongoKeysetFixtures.walk(
                  atMost(docs.size() + 2, r -> keyset.fetch(items, r)),
                  direction,
                  s.pageSize(),
                  new ArrayList<>()))
          .as(direction.toString())
          .isEqualTo(expected);
    }
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
