package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyNamespaceTest {

  @Test
  void qualifiesKeysWithNameAndVersion() {
    KeyNamespace ns = KeyNamespace.of("catalog", 3);
    assertThat(ns.prefix()).isEqualTo("catalog:v3:");
    assertThat(ns.qualify("product:42")).isEqualTo("catalog:v3:product:42");
    assertThat(ns.unqualify("catalog:v3:product:42")).isEqualTo("product:42");
    assertThat(ns.contains("catalog:v3:x")).isTrue();
    assertThat(ns.contains("catalog:v2:x")).isFalse();
    assertThat(ns.contains("catalog:v3:")).isFalse();
    assertThat(ns.contains(null)).isFalse();
  }

  @Test
  void versionsKeepOldValueFormatsApart() {
    assertThat(KeyNamespace.of("catalog", 1).qualify("k"))
        .isNotEqualTo(KeyNamespace.of("catalog", 2).qualify("k"));
  }

  @Test
  void acceptsUnicodeAndPunctuationInKeys() {
    KeyNamespace ns = KeyNamespace.of("c", 0);
    assertThat(ns.qualify("naïve key/with spaces:ü€😀"))
        .isEqualTo("c:v0:naïve key/with spaces:ü€😀");
  }

  @Test
  void rejectsNullNameWithItsFieldName() {
    assertThatThrownBy(() -> KeyNamespace.of(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("namespace name must not be null");
  }

  @Test
  void rejectsEmptyName() {
    assertThatThrownBy(() -> KeyNamespace.of("", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("namespace name must not be empty");
  }

  @ParameterizedTest
  @ValueSource(strings = {"has:colon", "has space", "-leading", "tab\there", "ünicode", "slash/"})
  void rejectsIllegalCharactersInName(String name) {
    assertThatThrownBy(() -> KeyNamespace.of(name, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("namespace name must match [A-Za-z0-9][A-Za-z0-9._-]* but was '");
  }

  @Test
  void rejectsOversizeName() {
    String name = "n".repeat(KeyNamespace.MAX_NAME_LENGTH + 1);
    assertThatThrownBy(() -> KeyNamespace.of(name, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("namespace name must be at most 64 characters but was 65");
  }

  @Test
  void rejectsNegativeVersion() {
    assertThatThrownBy(() -> KeyNamespace.of("c", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("namespace version must be >= 0 but was -1");
  }

  @Test
  void rejectsKeyLimitThatLeavesNoRoomAfterThePrefix() {
    assertThatThrownBy(() -> KeyNamespace.of("catalog", 3, 11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxKeyBytes must be > 11 (the prefix 'catalog:v3:') but was 11");
  }

  @Test
  void rejectsNullKey() {
    assertThatThrownBy(() -> KeyNamespace.of("c", 1).qualify(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("key must not be null");
  }

  @Test
  void rejectsEmptyKey() {
    assertThatThrownBy(() -> KeyNamespace.of("c", 1).qualify(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
  }

  @Test
  void rejectsControlCharactersNamingTheirPosition() {
    assertThatThrownBy(() -> KeyNamespace.of("c", 1).qualify("ab\ncd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "key must not contain control characters but had U+000A at index 2 ('ab\\u000acd')");
    assertThatThrownBy(() -> KeyNamespace.of("c", 1).qualify("nul\0"))
        .hasMessageContaining("U+0000 at index 3");
  }

  @Test
  void rejectsOversizeKeyCountingUtf8Bytes() {
    KeyNamespace ns = KeyNamespace.of("c", 1, 20); // prefix "c:v1:" = 5 bytes, 15 left
    assertThat(ns.qualify("k".repeat(15))).hasSize(20);
    assertThatThrownBy(() -> ns.qualify("k".repeat(16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "key must be at most 15 UTF-8 bytes in namespace 'c:v1:' (qualified limit 20) but was 16 bytes");
    // 8 characters but 16 bytes: the limit is on bytes, which is what Redis stores
    assertThatThrownBy(() -> ns.qualify("éééééééé")).hasMessageContaining("but was 16 bytes");
  }

  @Test
  void defaultLimitIsOneKilobyte() {
    KeyNamespace ns = KeyNamespace.of("c", 1);
    assertThat(ns.maxKeyBytes()).isEqualTo(1024);
    assertThatThrownBy(() -> ns.qualify("x".repeat(1024)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void unqualifyRejectsForeignKeys() {
    assertThatThrownBy(() -> KeyNamespace.of("c", 1).unqualify("d:v1:k"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key 'd:v1:k' is not in namespace 'c:v1:'");
  }

  @Test
  void equalityFollowsNameVersionAndLimit() {
    assertThat(KeyNamespace.of("a", 1))
        .isEqualTo(KeyNamespace.of("a", 1))
        .hasSameHashCodeAs(KeyNamespace.of("a", 1))
        .isNotEqualTo(KeyNamespace.of("a", 2))
        .isNotEqualTo(KeyNamespace.of("a", 1, 100));
  }
}
