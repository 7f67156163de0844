package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AllowListTest {
  static final Pattern WORD = Pattern.compile("[a-z_]+");
  static final KeysetSpec SPEC =
      KeysetSpec.builder("q").sortBy(SortKey.asc("price")).tiebreaker("id").build();

  @Test
  void aNameOutsideThePatternIsRefusedNamingSettingAndName() {
    assertThatThrownBy(
            () -> AllowList.of("allowedColumns", "column", WORD, "price", "price; DROP TABLE t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("allowedColumns must match [a-z_]+ but one was \"price; DROP TABLE t\"");
  }

  @Test
  void everyKeyOfTheSpecTiebreakerIncludedMustBeAllowed() {
    AllowList prices = AllowList.of("allowedColumns", "column", WORD, "price");
    assertThatThrownBy(() -> prices.check(SPEC))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sort key \"id\" is not an allowed column; allowed: [price]");
    AllowList withId = prices.with("id");
    withId.check(SPEC);
    assertThat(withId.contains("id")).isTrue();
    assertThat(prices.contains("id")).isFalse();
  }
}
