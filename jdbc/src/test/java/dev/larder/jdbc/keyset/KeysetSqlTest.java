package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.keyset.Seek;
import dev.larder.core.keyset.SortKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape of the seek predicate; its meaning is proven against PostgreSQL in the ITs. */
class KeysetSqlTest {

  @Test
  void rowValueOnlyWhenDirectionsAgreeAndNothingIsNullable() {
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a"), SortKey.asc("id")))).isTrue();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.desc("a"), SortKey.desc("id")))).isTrue();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a"), SortKey.desc("id")))).isFalse();
    assertThat(KeysetSql.rowValueApplies(List.of(SortKey.asc("a").nullsLast(), SortKey.asc("id"))))
        .isFalse();
  }

  @Test
  void rendersEachSeekTermWithBoundParametersOnly() {
    SortKey asc = SortKey.asc("c").nullsLast();
    SortKey desc = SortKey.desc("d").nullsFirst();
    assertThat(KeysetSql.term(new Seek.Term(asc, Seek.Operator.AFTER, 5), "p"))
        .isEqualTo("\"c\" > :p");
    assertThat(KeysetSql.term(new Seek.Term(desc, Seek.Operator.AFTER, 5), "p"))
        .isEqualTo("\"d\" < :p");
    assertThat(KeysetSql.term(new Seek.Term(asc, Seek.Operator.EQUAL, "x'; DROP"), "p"))
        .isEqualTo("\"c\" = :p");
    assertThat(KeysetSql.term(new Seek.Term(asc, Seek.Operator.IS_NULL, null), "p"))
        .isEqualTo("\"c\" IS NULL");
    assertThat(KeysetSql.term(new Seek.Term(desc, Seek.Operator.IS_NOT_NULL, null), "p"))
        .isEqualTo("\"d\" IS NOT NULL");
  }
}
