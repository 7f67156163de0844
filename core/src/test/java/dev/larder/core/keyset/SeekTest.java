package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.keyset.Seek.Operator;
import dev.larder.core.keyset.Seek.Term;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared seek expansion; its meaning against real databases is proven by the walk and property
 * ITs of larder-jdbc and larder-mongo.
 */
class SeekTest {
  static final SortKey ID = SortKey.asc("id").unique();

  @Test
  void afterAValueANullsLastKeyAlsoAdmitsNull() {
    SortKey c = SortKey.asc("c").nullsLast();
    assertThat(Seek.disjuncts(List.of(c, ID), List.of(5, 9L)))
        .containsExactly(
            List.of(new Term(c, Operator.AFTER, 5)),
            List.of(new Term(c, Operator.IS_NULL, null)),
            List.of(new Term(c, Operator.EQUAL, 5), new Term(ID, Operator.AFTER, 9L)));
  }

  @Test
  void afterAValueANullsFirstKeyAdmitsOnlyLaterValues() {
    SortKey c = SortKey.desc("c").nullsFirst();
    assertThat(Seek.disjuncts(List.of(c, ID), List.of(5, 9L)))
        .containsExactly(
            List.of(new Term(c, Operator.AFTER, 5)),
            List.of(new Term(c, Operator.EQUAL, 5), new Term(ID, Operator.AFTER, 9L)));
  }

  @Test
  void afterANullOnlyNonNullsWhenNullsComeFirstAndNothingWhenLast() {
    SortKey first = SortKey.asc("c").nullsFirst();
    assertThat(Seek.disjuncts(List.of(first, ID), Arrays.asList(null, 9L)))
        .containsExactly(
            List.of(new Term(first, Operator.IS_NOT_NULL, null)),
            List.of(new Term(first, Operator.IS_NULL, null), new Term(ID, Operator.AFTER, 9L)));
    SortKey last = SortKey.asc("c").nullsLast();
    assertThat(Seek.disjuncts(List.of(last, ID), Arrays.asList(null, 9L)))
        .containsExactly(
            List.of(new Term(last, Operator.IS_NULL, null), new Term(ID, Operator.AFTER, 9L)));
  }

  @Test
  void rejectsABoundaryThatDoesNotFitTheKeys() {
    assertThatThrownBy(() -> Seek.disjuncts(List.of(ID), List.of(1L, 2L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("boundary must have 1 values but had 2");
    assertThatThrownBy(() -> Seek.disjuncts(List.of(SortKey.asc("a"), ID), Arrays.asList(null, 2L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("boundary value of sort key \"a\" must not be null but was null");
    assertThatThrownBy(() -> new Term(ID, Operator.AFTER, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("value must be set for AFTER but was null");
  }
}
