package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.keyset.InvalidCursorException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The backend-neutral steps, over an in-memory list of ids sorted ascending. */
class KeysetPagerTest {
  final KeysetSpec spec =
      KeysetSpec.builder("ids")
          .sortBy(SortKey.asc("id").unique())
          .defaultPageSize(3)
          .maxPageSize(10)
          .build();
  final CursorCodec codec = CursorCodec.builder().signingKey("k", CursorCodecTest.SECRET_A).build();
  final KeysetPager pager = KeysetPager.of(spec, codec);
  final List<Long> rows = IntStream.rangeClosed(1, 10).mapToObj(i -> (long) i).toList();

  /** A toy backend: what a database does with a plan. */
  Page<Long> fetch(PageRequest request) {
    KeysetPager.Plan plan = pager.open(request, "");
    boolean forward = plan.keys().get(0).direction() == SortDirection.ASC;
    List<Long> ordered = new ArrayList<>(rows);
    if (!forward) {
      ordered.sort((a, b) -> Long.compare(b, a));
    }
    List<Long> fetched =
        ordered.stream()
            .filter(
                r ->
                    plan.boundary() == null
                        || (forward
                            ? r > (Long) plan.boundary().get(0)
                            : r < (Long) plan.boundary().get(0)))
            .limit(plan.fetchSize())
            .collect(Collectors.toList());
    return pager.assemble(plan, fetched, r -> List.of(r));
  }

  @Test
  void walksForwardAndBackWithExactFlags() {
    Page<Long> first = fetch(PageRequest.first());
    assertThat(first.items()).containsExactly(1L, 2L, 3L);
    assertThat(first.hasPrevious()).isFalse();
    assertThat(first.previousCursor()).isEmpty();
    Page<Long> second = fetch(PageRequest.after(first.nextCursor().orElseThrow(), null));
    assertThat(second.items()).containsExactly(4L, 5L, 6L);
    assertThat(second.hasPrevious()).isTrue();
    Page<Long> back = fetch(PageRequest.before(second.previousCursor().orElseThrow(), null));
    assertThat(back.items()).containsExactly(1L, 2L, 3L);
    assertThat(back.hasPrevious()).isFalse();
    assertThat(back.hasNext()).isTrue();
    Page<Long> last = fetch(PageRequest.last(4));
    assertThat(last.items()).containsExactly(7L, 8L, 9L, 10L);
    assertThat(last.hasNext()).isFalse();
    assertThat(last.nextCursor()).isEmpty();
  }

  @Test
  void lastPageForwardHasNoNext() {
    Page<Long> p = fetch(PageRequest.first(10));
    assertThat(p.items()).hasSize(10);
    assertThat(p.hasNext()).isFalse();
    assertThat(p.nextCursor()).isEmpty();
  }

  @Test
  void pageSizeOutsideOneToMaxIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> pager.open(PageRequest.first(0), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be in [1, 10] but was 0");
    assertThatThrownBy(() -> pager.open(PageRequest.first(11), ""))
        .hasMessage("limit must be in [1, 10] but was 11");
  }

  @Test
  void cursorIsBoundToDirectionSpecAndFilter() {
    String next = fetch(PageRequest.first()).nextCursor().orElseThrow();
    CursorCodecTest.assertReason(
        () -> pager.open(PageRequest.before(next, null), ""), Reason.WRONG_DIRECTION);
    CursorCodecTest.assertReason(
        () -> pager.open(PageRequest.after(next, null).withFilter("tenant=2"), ""),
        Reason.WRONG_QUERY);
    CursorCodecTest.assertReason(
        () -> pager.open(PageRequest.after(next, null), "owner=1"), Reason.WRONG_QUERY);
    KeysetPager otherSort =
        KeysetPager.of(
            KeysetSpec.builder("ids").sortBy(SortKey.desc("id").unique()).build(), codec);
    CursorCodecTest.assertReason(
        () -> otherSort.open(PageRequest.after(next, null), ""), Reason.WRONG_QUERY);
  }

  @Test
  void nullInAKeyNotDeclaredNullableFailsNamingTheKey() {
    KeysetPager.Plan plan = pager.open(PageRequest.first(), "");
    List<Object> nullKey = new ArrayList<>();
    nullKey.add(null);
    assertThatThrownBy(() -> pager.assemble(plan, List.of("x"), r -> nullKey))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("sort key \"id\" is declared not nullable but a row holds NULL");
  }
}
