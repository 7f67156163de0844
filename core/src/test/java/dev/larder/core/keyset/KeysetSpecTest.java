package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeysetSpecTest {

  @Test
  void tiebreakerIsAppendedAscendingUniqueNotNullable() {
    KeysetSpec spec =
        KeysetSpec.builder("items")
            .sortBy(SortKey.asc("category").nullsLast(), SortKey.desc("price").nullsFirst())
            .tiebreaker("id")
            .build();
    assertThat(spec.keys())
        .extracting(SortKey::toString)
        .containsExactly("category ASC NULLS_LAST", "price DESC NULLS_FIRST", "id ASC UNIQUE");
    assertThat(spec.keysFor(PageDirection.BACKWARD))
        .extracting(SortKey::toString)
        .containsExactly("category DESC NULLS_FIRST", "price ASC NULLS_LAST", "id DESC UNIQUE");
    assertThat(spec.defaultPageSize()).isEqualTo(50);
    assertThat(spec.maxPageSize()).isEqualTo(500);
  }

  @Test
  void tiebreakerNamingTheLastKeyMarksItUnique() {
    KeysetSpec spec = KeysetSpec.builder("q").sortBy(SortKey.desc("id")).tiebreaker("id").build();
    assertThat(spec.keys()).containsExactly(SortKey.desc("id").unique());
  }

  @Test
  void fingerprintDependsOnQueryNameAndEveryKeyProperty() {
    KeysetSpec base =
        KeysetSpec.builder("q").sortBy(SortKey.asc("a").nullsLast()).tiebreaker("id").build();
    assertThat(base.fingerprint())
        .hasSize(64)
        .isEqualTo(
            KeysetSpec.builder("q")
                .sortBy(SortKey.asc("a").nullsLast())
                .tiebreaker("id")
                .build()
                .fingerprint());
    assertThat(
            KeysetSpec.builder("q2")
                .sortBy(SortKey.asc("a").nullsLast())
                .tiebreaker("id")
                .build()
                .fingerprint())
        .isNotEqualTo(base.fingerprint());
    assertThat(
            KeysetSpec.builder("q")
                .sortBy(SortKey.asc("a").nullsFirst())
                .tiebreaker("id")
                .build()
                .fingerprint())
        .isNotEqualTo(base.fingerprint());
    assertThat(
            KeysetSpec.builder("q")
                .sortBy(SortKey.desc("a").nullsLast())
                .tiebreaker("id")
                .build()
                .fingerprint())
        .isNotEqualTo(base.fingerprint());
  }

  @Test
  void badSettingsFailNamingFieldAndValue() {
    assertThatThrownBy(() -> KeysetSpec.builder("q").sortBy(SortKey.asc("a")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("the last sort key must be unique but was a ASC");
    assertThatThrownBy(() -> KeysetSpec.builder("q").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sortBy must be set");
    assertThatThrownBy(
            () -> KeysetSpec.builder("q").sortBy(SortKey.asc("a").nullsLast().unique()).build())
        .hasMessage(
            "the unique last sort key must not be nullable but was" + " a ASC NULLS_LAST UNIQUE");
    assertThatThrownBy(
            () ->
                KeysetSpec.builder("q")
                    .sortBy(SortKey.asc("id"), SortKey.asc("b"))
                    .tiebreaker("id")
                    .build())
        .hasMessageStartingWith("sort key names must be distinct but \"id\" appears twice");
    assertThatThrownBy(() -> KeysetSpec.builder("q").defaultPageSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("defaultPageSize must be > 0 but was 0");
    assertThatThrownBy(
            () ->
                KeysetSpec.builder("q")
                    .sortBy(SortKey.asc("id").unique())
                    .defaultPageSize(100)
                    .maxPageSize(10)
                    .build())
        .hasMessage("defaultPageSize must be <= maxPageSize (10) but was 100");
    assertThatThrownBy(() -> KeysetSpec.builder("q").maxPageSize(10).maxPageSize(20))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxPageSize was already set to 10");
    assertThatThrownBy(() -> KeysetSpec.builder(" "))
        .hasMessage("queryName must be 1 to 200 characters but was \" \"");
    assertThatThrownBy(() -> SortKey.asc(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was \"\"");
  }
}
