package dev.larder.jdbc.keyset;

import static dev.larder.jdbc.keyset.KeysetFixtures.ITEM;
import static dev.larder.jdbc.keyset.KeysetFixtures.ITEMS_COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.jdbc.keyset.KeysetFixtures.Item;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Between every two pages another connection (on another thread) inserts rows all over the sort
 * order and deletes random rows: a row that existed throughout is seen exactly once, no row is seen
 * twice, and the rows come in sort order.
 */
class JdbiKeysetConcurrentChangesIT {
  static final int ROWS = 5_000;
  static final int PAGE = 100;
  static final KeysetSpec SPEC =
      KeysetSpec.builder("items-live")
          .sortBy(
              SortKey.asc("category").nullsLast(),
              SortKey.desc("price").nullsFirst(),
              SortKey.asc("created_at"))
          .tiebreaker("id")
          .build();
  static final JdbiKeyset<Item> KEYSET =
      JdbiKeyset.builder(SPEC, KeysetFixtures.codec("k", 'c'), ITEM)
          .baseQuery("SELECT " + ITEMS_COLUMNS + " FROM items")
          .allowedColumns("id", "category", "price", "created_at")
          .build();
  static final ExecutorService WRITER = Executors.newSingleThreadExecutor();
  static final AtomicLong NEXT_ID = new AtomicLong(1_000_000);

  Jdbi jdbi;

  @BeforeEach
  void createTable() {
    jdbi = KeysetFixtures.freshDatabase("keyset_live");
    KeysetFixtures.createItems(jdbi, ROWS);
  }

  @AfterAll
  static void stopWriter() throws InterruptedException {
    WRITER.shutdown();
    assertThat(WRITER.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Inserts 20 rows spread over every key range and deletes 10 random rows; returns those ids. */
  List<Long> churn() throws Exception {
    return WRITER
        .submit(
            () ->
                jdbi.withHandle(
                    h -> {
                      long from = NEXT_ID.getAndAdd(20);
                      h.execute(
                          "INSERT INTO items SELECT g,"
                              + " CASE WHEN random() < 0.1 THEN NULL ELSE 'cat' || floor(random() * 8)::int END,"
                              + " CASE WHEN random() < 0.1 THEN NULL ELSE round((random() * 120)::numeric, 2) END,"
                              + " timestamptz '2026-01-01 00:00:00+00' + floor(random() * 40000) * interval '37 microseconds',"
                              + " 0 FROM generate_series(?::bigint, ?::bigint) g",
                          from,
                          from + 19);
                      return h.createQuery(
                              "DELETE FROM items WHERE id IN"
                                  + " (SELECT id FROM items ORDER BY random() LIMIT 10) RETURNING id")
                          .mapTo(Long.class)
                          .list();
                    }))
        .get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void noRowThatExistedThroughoutIsSkippedAndNoneRepeated(boolean forward) throws Exception {
    Set<Long> initial =
        new HashSet<>(
            jdbi.withHandle(h -> h.createQuery("SELECT id FROM items").mapTo(Long.class).list()));
    Set<Long> deleted = new HashSet<>();
    List<List<Item>> pages = new ArrayList<>();
    jdbi.useHandle(
        h -> {
          Page<Item> page =
              KEYSET.fetch(h, forward ? PageRequest.first(PAGE) : PageRequest.last(PAGE));
          while (true) {
            pages.add(page.items());
            boolean more = forward ? page.hasNext() : page.hasPrevious();
            if (!more) {
              break;
            }
            deleted.addAll(churn());
            page =
                KEYSET.fetch(
                    h,
                    forward
                        ? PageRequest.after(page.nextCursor().orElseThrow(), PAGE)
                        : PageRequest.before(page.previousCursor().orElseThrow(), PAGE));
          }
        });
    if (!forward) {
      Collections.reverse(pages);
    }
    List<Item> seen = new ArrayList<>();
    pages.forEach(seen::addAll);
    List<Long> ids = seen.stream().map(Item::id).toList();
    Set<Long> survivors = new HashSet<>(initial);
    survivors.removeAll(deleted);

    assertThat(deleted).isNotEmpty();
    assertThat(ids).doesNotHaveDuplicates().containsAll(survivors);
    assertThat(ids).anyMatch(id -> id >= 1_000_000); // rows inserted ahead of the walk show up
    assertThat(seen)
        .extracting(Item::keys)
        .isSortedAccordingTo(KeysetFixtures.comparator(SPEC.keys()));
  }
}
