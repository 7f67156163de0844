package dev.larder.mongo.keyset;

import static com.mongodb.client.model.Filters.in;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageDirection;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Between every two pages another client thread inserts documents all over the sort order (nulls
 * and missing fields included) and deletes random ones: a document that existed throughout is seen
 * exactly once, none is seen twice, and the order holds.
 */
class MongoKeysetConcurrentChangesIT {
  static final int DOCS = 3_000;
  static final int PAGE = 100;
  static final KeysetSpec SPEC =
      MongoKeyset.spec("items-live")
          .sortBy(SortKey.desc("rank").nullsLast(), SortKey.asc("label").nullsFirst())
          .build();
  static final MongoKeyset<Document> KEYSET =
      MongoKeyset.builder(SPEC, MongoKeysetFixtures.codec("k", 'c'), d -> d)
          .allowedFields("rank", "label")
          .build();
  static final ExecutorService WRITER = Executors.newSingleThreadExecutor();

  final Random random = new Random(7);

  @AfterAll
  static void stopWriter() throws InterruptedException {
    WRITER.shutdown();
    assertThat(WRITER.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  Document randomDocument(boolean inserted) {
    Document d = new Document("_id", new ObjectId()).append("inserted", inserted);
    int r = random.nextInt(12);
    if (r < 10) {
      d.append("rank", r);
    } else if (r == 10) {
      d.append("rank", null);
    } // else: no rank at all
    int l = random.nextInt(8);
    if (l < 7) {
      d.append("label", "l" + l);
    }
    return d;
  }

  /** On the writer thread: 20 new documents, 10 random live ones deleted; returns their ids. */
  List<Object> churn(MongoCollection<Document> c, List<Object> live) throws Exception {
    return WRITER
        .submit(
            () -> {
              List<Document> fresh = new ArrayList<>();
              for (int i = 0; i < 20; i++) {
                fresh.add(randomDocument(true));
              }
              c.insertMany(fresh);
              fresh.forEach(d -> live.add(d.get("_id")));
              List<Object> gone = new ArrayList<>();
              for (int i = 0; i < 10; i++) {
                gone.add(live.remove(random.nextInt(live.size())));
              }
              assertThat(c.deleteMany(in("_id", gone)).getDeletedCount()).isEqualTo(10);
              return gone;
            })
        .get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(PageDirection.class)
  void noDocumentThatExistedThroughoutIsSkippedAndNoneRepeated(PageDirection direction)
      throws Exception {
    MongoCollection<Document> c = MongoKeysetFixtures.freshCollection("keyset_live");
    List<Document> initial = new ArrayList<>();
    for (int i = 0; i < DOCS; i++) {
      initial.add(randomDocument(false));
    }
    c.insertMany(initial);
    List<Object> live = Collections.synchronizedList(new ArrayList<>());
    initial.forEach(d -> live.add(d.get("_id")));
    Set<Object> deleted = new HashSet<>();

    boolean forward = direction == PageDirection.FORWARD;
    List<List<Document>> pages = new ArrayList<>();
    Page<Document> page =
        KEYSET.fetch(c, forward ? PageRequest.first(PAGE) : PageRequest.last(PAGE));
    while (true) {
      pages.add(page.items());
      if (!(forward ? page.hasNext() : page.hasPrevious())) {
        break;
      }
      deleted.addAll(churn(c, live));
      page =
          KEYSET.fetch(
              c,
              forward
                  ? PageRequest.after(page.nextCursor().orElseThrow(), PAGE)
                  : PageRequest.before(page.previousCursor().orElseThrow(), PAGE));
    }
    if (!forward) {
      Collections.reverse(pages);
    }
    List<Document> seen = new ArrayList<>();
    pages.forEach(seen::addAll);
    Set<Object> survivors = new HashSet<>();
    initial.forEach(d -> survivors.add(d.get("_id")));
    survivors.removeAll(deleted);

    assertThat(deleted).hasSizeGreaterThan(100);
    assertThat(seen).extracting(d -> d.get("_id")).doesNotHaveDuplicates().containsAll(survivors);
    assertThat(seen).anyMatch(d -> d.getBoolean("inserted")); // ahead of the walk: seen
    assertThat(seen).isSortedAccordingTo(MongoKeysetFixtures.documentedOrder(SPEC.keys()));
  }
}
