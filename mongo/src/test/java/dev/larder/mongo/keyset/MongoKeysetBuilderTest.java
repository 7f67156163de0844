package dev.larder.mongo.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.SortKey;
import org.junit.jupiter.api.Test;

/** Settings a MongoDB keyset refuses before any query is made. */
class MongoKeysetBuilderTest {
  static final CursorCodec CODEC = MongoKeysetFixtures.codec("k", 'b');

  static MongoKeyset.Builder<Object> builder(KeysetSpec spec, CursorCodec codec) {
    return MongoKeyset.builder(spec, codec, d -> d);
  }

  @Test
  void specAppendsIdAsTheUniqueTiebreaker() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.desc("at")).build();
    assertThat(spec.keys()).containsExactly(SortKey.desc("at"), SortKey.asc("_id").unique());
  }

  @Test
  void aSortKeyOutsideTheAllowListIsRefusedByName() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.asc("password")).build();
    assertThatThrownBy(() -> builder(spec, CODEC).allowedFields("name", "at").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sort key \"password\" is not an allowed field; allowed: [_id, at, name]");
  }

  @Test
  void operatorsAndOddNamesCannotBeAllowed() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.asc("a")).build();
    for (String bad : new String[] {"$where", "a.$", "a..b", "", "a b", "a.", "1a"}) {
      assertThatThrownBy(() -> builder(spec, CODEC).allowedFields("a", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageEndingWith("but one was \"" + bad + "\"");
    }
    assertThat(builder(spec, CODEC).allowedFields("a", "address.city", "_x1").build().spec())
        .isEqualTo(spec);
  }

  @Test
  void aNullPlacementMongoDbDoesNotSortByIsRefused() {
    KeysetSpec ascLast = MongoKeyset.spec("q").sortBy(SortKey.asc("a").nullsLast()).build();
    assertThatThrownBy(() -> builder(ascLast, CODEC).allowedFields("a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("sort key a ASC NULLS_LAST must be NULLS_FIRST");
    KeysetSpec descFirst = MongoKeyset.spec("q").sortBy(SortKey.desc("a").nullsFirst()).build();
    assertThatThrownBy(() -> builder(descFirst, CODEC).allowedFields("a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("sort key a DESC NULLS_FIRST must be NULLS_LAST");
  }

  @Test
  void aCodecWithoutMongoTypesIsRefusedWithTheFix() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.asc("a")).build();
    CursorCodec plain =
        CursorCodec.builder().signingKey("k", MongoKeysetFixtures.secret('p')).build();
    assertThatThrownBy(() -> builder(spec, plain).allowedFields("a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("MongoCursorTypes.register(CursorCodec.builder())")
        .hasMessageNotContaining("pppp");
  }

  @Test
  void theAllowListIsRequiredAndSetOnce() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.asc("a")).build();
    assertThatThrownBy(() -> builder(spec, CODEC).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("allowedFields must be set");
    assertThatThrownBy(() -> builder(spec, CODEC).allowedFields("a", "b.c").allowedFields("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("allowedFields was already set to [a, b.c]");
  }

  @Test
  void aRefusedAllowListLeavesTheSettingUnset() {
    KeysetSpec spec = MongoKeyset.spec("q").sortBy(SortKey.asc("a")).build();
    MongoKeyset.Builder<Object> b = builder(spec, CODEC);
    assertThatThrownBy(() -> b.allowedFields("a", "$where"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(b.allowedFields("a").build().spec()).isEqualTo(spec);
  }
}
