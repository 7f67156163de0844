package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.SortKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape of the seek predicate; its meaning is proven against PostgreSQL in the ITs. */
class KeysetSqlTest {

  @Test
  void rowValueOnlyWhenDirectionsAgreeAndNothingIsNullable() {
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a"), SortKey.asc("id")))).isTrue();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.desc("a"), SortKey.desc("id"))))
        .isTrue();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a"), SortKey.desc("id"))))
        .isFalse();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a").nullsLast(),
        SortKey.asc("id")))).isFalse();
  }

  @Test
  void afterAValuePlacesNullsAsDeclared() {
    assertThat(KeysetSql.after(SortKey.asc("c").nullsLast(), 5, "p"))
        .isEqualTo("(\"c\" > :p OR \"c\" IS NULL)");
    assertThat(KeysetSql.after(SortKey.asc("c").nullsFirst(), 5, "p")).isEqualTo("\"c\" > :p");
    assertThat(KeysetSql.after(SortKey.desc("c").nullsFirst(), 5, "p")).isEqualTo("\"c\" < :p");
    assertThat(KeysetSql.after(SortKey.desc("c").nullsLast(), 5, "p"))
        .isEqualTo("(\"c\" < :p OR \"c\" IS NULL)");
  }

  @Test
  void afterANullOnlyNonNullsWhenNullsComeFirstAndNothingWhenLast() {
    assertThat(KeysetSql.after(SortKey.asc("c").nullsFirst(), null, "p"))
        .isEqualTo("\"c\" IS NOT NULL");
    assertThat(KeysetSql.after(SortKey.desc("c").nullsFirst(), null, "p"))
        .isEqualTo("\"c\" IS NOT NULL");
    assertThat(KeysetSql.after(SortKey.asc("c").nullsLast(), null, "p")).isNull();
  }
}
