package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.util.Arrays;
import java.util.Map;
import org.jdbi.v3.core.mapper.RowMapper;
import org.junit.jupiter.api.Test;

class JdbiKeysetBuilderTest {
  static final RowMapper<Long> ID = (rs, ctx) -> rs.getLong(1);
  static final CursorCodec CODEC;

  static {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) 7);
    CODEC = CursorCodec.builder().signingKey("k", s).build();
  }

  static KeysetSpec spec(SortKey... keys) {
    return KeysetSpec.builder("q").sortBy(keys).tiebreaker("id").build();
  }

  @Test
  void unknownSortColumnFailsAtBuildNamingIt() {
    assertThatThrownBy(
            () ->
                JdbiKeyset.builder(spec(SortKey.asc("price; DROP TABLE x")), CODEC, ID)
                    .baseQuery("SELECT * FROM t")
                    .allowedColumns("id", "price")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "sort key \"price; DROP TABLE x\" is not an allowed column; allowed: [id, price]");
    assertThatThrownBy(
            () ->
                JdbiKeyset.builder(spec(SortKey.asc("price")), CODEC, ID)
                    .baseQuery("SELECT * FROM t")
                    .allowedColumns("price")
                    .build())
        .hasMessage("sort key \"id\" is not an allowed column; allowed: [price]");
  }

  @Test
  void badSettingsFailEarly() {
    assertThatThrownBy(
            () -> JdbiKeyset.builder(spec(SortKey.asc("a")), CODEC, ID).allowedColumns("a", "b c"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but one was \"b c\"");
    assertThatThrownBy(
            () -> JdbiKeyset.builder(spec(SortKey.asc("a")), CODEC, ID).baseQuery("SELECT 1;"))
        .hasMessageContaining("without a trailing semicolon");
    assertThatThrownBy(
            () ->
                JdbiKeyset.builder(spec(SortKey.asc("a")), CODEC, ID)
                    .allowedColumns("a", "id")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("baseQuery must be set");
    assertThatThrownBy(
            () ->
                JdbiKeyset.builder(spec(SortKey.asc("a")), CODEC, ID)
                    .baseQuery("SELECT 1")
                    .baseQuery("SELECT 2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("baseQuery was already set to SELECT 1");
  }

  @Test
  void reservedParameterNamesAreRejected() {
    JdbiKeyset<Long> k =
        JdbiKeyset.builder(spec(SortKey.asc("a")), CODEC, ID)
            .baseQuery("SELECT * FROM t")
            .allowedColumns("a", "id")
            .build();
    assertThatThrownBy(() -> k.render(PageRequest.first(), Map.of("larder_k0", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parameter names must not start with \"larder_\" but one was \"larder_k0\"");
  }

  @Test
  void firstPageHasNoSeekPredicateAndOrdersByTheKeys() {
    JdbiKeyset<Long> k =
        JdbiKeyset.builder(spec(SortKey.asc("a").nullsFirst(), SortKey.desc("b")), CODEC, ID)
            .baseQuery("SELECT * FROM t")
            .allowedColumns("a", "b", "id")
            .build();
    assertThat(k.render(PageRequest.first(), Map.of()).sql())
        .isEqualTo(
            "SELECT * FROM (\nSELECT * FROM t\n) AS larder_keyset\n"
                + "ORDER BY \"a\" ASC NULLS FIRST, \"b\" DESC, \"id\" ASC\nLIMIT :larder_limit");
    assertThat(k.render(PageRequest.last(5), Map.of()).sql())
        .contains("ORDER BY \"a\" DESC NULLS LAST, \"b\" ASC, \"id\" DESC");
  }
}
