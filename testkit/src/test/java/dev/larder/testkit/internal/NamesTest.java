package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.KeyNamespace;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamesTest {

  @Test
  void databaseNamesAreLowerCaseIdentifiersStartingWithALetter() {
    assertThat(Names.databaseName("Orders-IT")).matches("orders_it_[a-z0-9]+");
    assertThat(Names.databaseName("1st")).startsWith("t_1st_");
    assertThat(Names.databaseName("")).startsWith("t_");
    assertThat(Names.databaseName("x".repeat(200))).hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void namesAreUniqueForTheSameHint() {
    assertThat(Names.databaseName("a")).isNotEqualTo(Names.databaseName("a"));
    assertThat(Names.keyPrefix("a")).isNotEqualTo(Names.keyPrefix("a"));
  }

  @Test
  void namespaceNamesAreAcceptedByKeyNamespace() {
    for (String hint :
        List.of(
            "orders test",
            "cache:orders",
            "",
            "-leading",
            ".dot",
            "ünïcode",
            "x".repeat(200),
            "Orders_v2.cache")) {
      String name = Names.namespaceName(hint);
      assertThat(KeyNamespace.of(name, 1).name()).as(hint).isEqualTo(name);
    }
    assertThat(Names.namespaceName("orders test")).matches("orders-test-[a-z0-9]+");
    assertThat(Names.namespaceName("-x")).startsWith("t-x-");
    assertThat(Names.namespaceName("x".repeat(200)))
        .hasSizeLessThanOrEqualTo(KeyNamespace.MAX_NAME_LENGTH);
    assertThat(Names.namespaceName("a")).isNotEqualTo(Names.namespaceName("a"));
  }

  @Test
  void keyPrefixesKeepTheHintReadable() {
    assertThat(Names.keyPrefix("cache:orders test")).matches("cache-orders-test:[a-z0-9]+:");
  }
}
