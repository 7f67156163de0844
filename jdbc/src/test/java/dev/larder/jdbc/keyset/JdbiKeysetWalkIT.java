package dev.larder.jdbc.keyset;

import static dev.larder.jdbc.keyset.KeysetFixtures.ITEM;
import static dev.larder.jdbc.keyset.KeysetFixtures.ITEMS_COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import dev.larder.jdbc.keyset.KeysetFixtures.Item;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Walks a 100,000-row table page by page, both ways, against PostgreSQL's own ORDER BY. */
class JdbiKeysetWalkIT {
  static final int ROWS = 100_000;
  static final int PAGE = 1_000;
  static Jdbi jdbi;

  static final KeysetSpec SPEC =
      KeysetSpec.builder("items-walk")
          .sortBy(
              SortKey.asc("category").nullsLast(),
              SortKey.desc("price").nullsFirst(),
              SortKey.asc("created_at"))
          .tiebreaker("id")
          .maxPageSize(PAGE)
          .build();
  static final CursorCodec CODEC = KeysetFixtures.codec("k1", 'w');
  static final JdbiKeyset<Item> KEYSET =
      JdbiKeyset.builder(SPEC, CODEC, ITEM)
          .baseQuery("SELECT " + ITEMS_COLUMNS + " FROM items")
          .allowedColumns("id", "category", "price", "created_at")
          .build();

  @BeforeAll
  static void createTable() {
    jdbi = KeysetFixtures.freshDatabase("keyset_walk");
    KeysetFixtures.createItems(jdbi, ROWS);
  }

  static List<Long> expectedIds(String where) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT id FROM items "
                        + where
                        + " ORDER BY "
                        + KeysetFixtures.orderBy(SPEC.keys()))
                .mapTo(Long.class)
                .list());
  }

  @Test
  void forwardWalkSeesEveryRowOnceInOrderByOrder() {
    List<Long> expected = expectedIds("");
    assertThat(expected).hasSize(ROWS);
    List<Page<Item>> pages = new ArrayList<>();
    List<Long> seen =
        jdbi
            .withHandle(h -> KeysetFixtures.walkForward(r -> KEYSET.fetch(h, r), PAGE, pages))
            .stream()
            .map(Item::id)
            .toList();
    assertThat(seen).hasSize(ROWS).doesNotHaveDuplicates();
    assertThat(seen).isEqualTo(expected);
    assertThat(pages).hasSize(ROWS / PAGE);
    assertThat(pages.subList(0, pages.size() - 1))
        .allSatisfy(p -> assertThat(p.hasNext()).isTrue());
    assertThat(pages.subList(1, pages.size()))
        .allSatisfy(p -> assertThat(p.hasPrevious()).isTrue());
  }

  @Test
  void backwardWalkSeesEveryRowOnceInOrderByOrder() {
    List<Long> expected = expectedIds("");
    List<Page<Item>> pages = new ArrayList<>();
    List<Long> seen =
        jdbi
            .withHandle(h -> KeysetFixtures.walkBackward(r -> KEYSET.fetch(h, r), PAGE, pages))
            .stream()
            .map(Item::id)
            .toList();
    assertThat(seen).hasSize(ROWS).doesNotHaveDuplicates();
    assertThat(seen).isEqualTo(expected);
    assertThat(pages).hasSize(ROWS / PAGE);
    assertThat(pages.get(pages.size() - 1).hasPrevious()).isFalse();
  }

  @Test
  void nextThenPreviousReturnsTheSamePage() {
    jdbi.useHandle(
        h -> {
          Page<Item> p1 = KEYSET.fetch(h, PageRequest.first(PAGE));
          Page<Item> p2 = KEYSET.fetch(h, PageRequest.after(p1.nextCursor().orElseThrow(), PAGE));
          Page<Item> p3 = KEYSET.fetch(h, PageRequest.after(p2.nextCursor().orElseThrow(), PAGE));
          Page<Item> back =
              KEYSET.fetch(h, PageRequest.before(p3.previousCursor().orElseThrow(), PAGE));
          assertThat(back.items()).isEqualTo(p2.items());
          assertThat(new HashSet<>(p2.items())).doesNotContainAnyElementsOf(p1.items());
        });
  }

  @Test
  void baseQueryFiltersWithBoundParametersAndOddPageSizes() {
    JdbiKeyset<Item> byOwner =
        JdbiKeyset.builder(SPEC, CODEC, ITEM)
            .baseQuery("SELECT " + ITEMS_COLUMNS + " FROM items WHERE owner = :owner")
            .allowedColumns("id", "category", "price", "created_at")
            .build();
    List<Long> expected = expectedIds("WHERE owner = 2");
    List<Page<Item>> pages = new ArrayList<>();
    List<Long> forward =
        jdbi
            .withHandle(
                h ->
                    KeysetFixtures.walkForward(
                        r -> byOwner.fetch(h, r, Map.of("owner", 2)), 999, pages))
            .stream()
            .map(Item::id)
            .toList();
    assertThat(forward).isEqualTo(expected);
    List<Long> backward =
        jdbi
            .withHandle(
                h ->
                    KeysetFixtures.walkBackward(
                        r -> byOwner.fetch(h, r, Map.of("owner", 2)), 999, pages))
            .stream()
            .map(Item::id)
            .toList();
    assertThat(backward).isEqualTo(expected);
  }
}
