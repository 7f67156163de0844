package dev.larder.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyTest {

  @Test
  void aPropertyThatHoldsRunsEveryTryWithTheSameValuesEachRun() {
    List<Long> first = new ArrayList<>();
    List<Long> second = new ArrayList<>();
    Property.forAll("same values", 50, Gen::anyLong, first::add);
    Property.forAll("same values", 50, Gen::anyLong, second::add);
    assertThat(first).hasSize(50).isEqualTo(second);
  }

  @Test
  void aFailingTryNamesThePropertyTheSeedTheTryAndTheValue() {
    long seed = Property.seed("no value is above 10");
    assertThatThrownBy(
            () ->
                Property.forAll(
                    "no value is above 10",
                    1000,
                    r -> Gen.intBetween(r, 0, 100),
                    v -> assertThat(v).isLessThanOrEqualTo(10)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("property 'no value is above 10' failed on try ")
        .hasMessageContaining("seed " + seed + "; replay with -Dlarder.property.seed=" + seed)
        .hasCauseInstanceOf(AssertionError.class);
  }

  @Test
  void numbersReachTheEdgesOfTheirRange() {
    List<Integer> seen = new ArrayList<>();
    Property.forAll("edges", 400, r -> Gen.intBetween(r, -3, 7), seen::add);
    assertThat(seen).contains(-3, 7, 0, 1, -1).allMatch(v -> v >= -3 && v <= 7);
    List<Long> longs = new ArrayList<>();
    Property.forAll("long edges", 400, Gen::anyLong, longs::add);
    assertThat(longs).contains(Long.MIN_VALUE, Long.MAX_VALUE, 0L);
  }

  @Test
  void badArgumentsAreRefusedByName() {
    assertThatThrownBy(() -> Property.forAll("x", 0, Gen::anyLong, v -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tries must be > 0 but was 0");
    assertThatThrownBy(() -> Gen.intBetween(new java.util.Random(1), 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("min must be <= max but was 2 > 1");
  }
}
