package dev.larder.mongo.keyset;

import static com.mongodb.client.model.Filters.eq;
import static dev.larder.mongo.keyset.MongoKeysetFixtures.sortedIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageDirection;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.testkit.LarderServices;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walks 20,000 documents page by page, both ways, against the server's own sorted find, with
 * duplicates in the leading keys, null and missing fields, numbers stored as int, long and double
 * in one field, and random ObjectIds. Runs on whatever {@code LarderServices.mongo()} gives: in CI
 * that is mongo-java-server (the stand-in), whose order is checked here against MongoDB's
 * documented one.
 */
class MongoKeysetWalkIT {
  static final int DOCS = 20_000;
  static final int PAGE = 1_000;
  static final CursorCodec CODEC = MongoKeysetFixtures.codec("k1", 'w');

  /** Nullable leading keys: no range bound, an $or from the first key on. */
  static final KeysetSpec BY_CATEGORY =
      MongoKeyset.spec("items-by-category")
          .sortBy(
              SortKey.asc("category").nullsFirst(),
              SortKey.desc("price").nullsLast(),
              SortKey.asc("createdAt"))
          .maxPageSize(PAGE)
          .build();

  /** A non-nullable leading key read descending, the tiebreaker ascending: range-led $or. */
  static final KeysetSpec BY_CREATED =
      MongoKeyset.spec("items-by-created")
          .sortBy(SortKey.desc("createdAt"), SortKey.asc("owner"))
          .maxPageSize(PAGE)
          .build();

  static MongoCollection<Document> items;

  static Stream<Arguments> specs() {
    return Stream.of(Arguments.of(BY_CATEGORY), Arguments.of(BY_CREATED));
  }

  static MongoKeyset<Document> keyset(KeysetSpec spec) {
    return MongoKeyset.builder(spec, CODEC, d -> d)
        .allowedFields("category", "price", "createdAt", "owner")
        .build();
  }

  /**
   * Category: 7 values, null on 1 in 17, missing on 1 in 19. Price: int, long or double (x.5), null
   * on 1 in 13, missing on 1 in 23. createdAt: 3,000 distinct milliseconds.
   */
  @BeforeAll
  static void insertDocuments() {
    items = MongoKeysetFixtures.freshCollection("keyset_walk");
    Random random = new Random(42);
    List<Document> batch = new ArrayList<>();
    for (int i = 1; i <= DOCS; i++) {
      byte[] oid = new byte[12];
      random.nextBytes(oid);
      Document d = new Document("_id", new ObjectId(oid)).append("owner", i % 3);
      if (i % 17 == 0) {
        d.append("category", null);
      } else if (i % 19 != 0) {
        d.append("category", "cat" + (i * 31 % 7));
      }
      int p = i * 7919 % 400;
      if (i % 13 == 0) {
        d.append("price", null);
      } else if (i % 23 != 0) {
        d.append("price", p % 3 == 0 ? (Object) p : p % 3 == 1 ? (Object) (long) p : p + 0.5);
      }
      d.append("createdAt", new Date(1_767_225_600_000L + (i * 104_729L % 3_000)));
      batch.add(d);
      if (batch.size() == 2_000) {
        items.insertMany(batch);
        batch.clear();
      }
    }
    assertThat(items.countDocuments()).isEqualTo(DOCS);
  }

  @ParameterizedTest
  @MethodSource("specs")
  void serverSortsAsMongoDbDocuments(KeysetSpec spec) {
    List<Document> all = items.find().into(new ArrayList<>());
    all.sort(MongoKeysetFixtures.documentedOrder(spec.keys()));
    assertThat(sortedIds(items, new Document(), spec.keys()))
        .as("%s sorts as MongoDB's documented order", LarderServices.mongo().flavour())
        .isEqualTo(all.stream().map(d -> d.get("_id")).toList());
  }

  static Stream<Arguments> walks() {
    return specs()
        .flatMap(
            spec ->
                Stream.of(PageDirection.values())
                    .map(direction -> Arguments.of(spec.get()[0], direction)));
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("walks")
  void eitherWalkSeesEveryDocumentOnceInSortedFindOrder(KeysetSpec spec, PageDirection direction) {
    List<Page<Document>> pages = new ArrayList<>();
    List<Object> seen =
        ids(MongoKeysetFixtures.walk(r -> keyset(spec).fetch(items, r), direction, PAGE, pages));
    assertThat(seen)
        .hasSize(DOCS)
        .doesNotHaveDuplicates()
        .isEqualTo(sortedIds(items, new Document(), spec.keys()));
    assertThat(pages).hasSize(DOCS / PAGE);
  }

  @Test
  void callerFilterIsCombinedWithTheSeekAndOddPageSizesWalkBothWays() {
    Bson owner = Filters.or(eq("owner", 2), eq("category", "cat3"));
    List<Object> expected = sortedIds(items, owner, BY_CATEGORY.keys());
    MongoKeyset<Document> keyset = keyset(BY_CATEGORY);
    for (PageDirection direction : PageDirection.values()) {
      List<Object> seen =
          ids(
              MongoKeysetFixtures.walk(
                  r -> keyset.fetch(items, r, owner), direction, 999, new ArrayList<>()));
      assertThat(seen).as(direction.toString()).isEqualTo(expected);
    }
  }

  @Test
  void nextThenPreviousReturnsTheSamePage() {
    MongoKeyset<Document> keyset = keyset(BY_CATEGORY);
    Page<Document> p1 = keyset.fetch(items, PageRequest.first(PAGE));
    Page<Document> p2 = keyset.fetch(items, PageRequest.after(p1.nextCursor().orElseThrow(), PAGE));
    Page<Document> p3 = keyset.fetch(items, PageRequest.after(p2.nextCursor().orElseThrow(), PAGE));
    Page<Document> back =
        keyset.fetch(items, PageRequest.before(p3.previousCursor().orElseThrow(), PAGE));
    assertThat(ids(back.items())).isEqualTo(ids(p2.items()));
    assertThat(new HashSet<>(ids(p2.items()))).doesNotContainAnyElementsOf(ids(p1.items()));
  }

  static List<Object> ids(List<Document> docs) {
    return docs.stream().map(d -> d.get("_id")).toList();
  }
}
