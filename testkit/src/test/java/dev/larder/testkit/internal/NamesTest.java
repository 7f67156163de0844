package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
    void keyPrefixesKeepTheHintReadable() {
        assertThat(Names.keyPrefix("cache:orders test")).matches("cache-orders-test:[a-z0-9]+:");
    }
}
