package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** Validation of both builders and the generated names; nothing here connects. */
class PgOutboxBuildersTest {

  @Test
  void sourceNeedsExactlyOneConnectionSetting() {
    assertThatThrownBy(() -> PgOutboxSource.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("dataSource or jdbcUrl must be set");
    assertThatThrownBy(
            () ->
                PgOutboxSource.builder()
                    .dataSource(new PGSimpleDataSource())
                    .jdbcUrl("jdbc:postgresql://h/db?password=secret", "u", "p")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "dataSource and jdbcUrl are exclusive but both were set (jdbcUrl jdbc:postgresql://h/db?password=***)");
  }

  @Test
  void jdbcUrlMustBePostgresAndIsNeverEchoedWithItsPassword() {
    assertThatThrownBy(
            () -> PgOutboxSource.builder().jdbcUrl("jdbc:mysql://h/db?password=hunter2", "u", "p"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "jdbcUrl must start with jdbc:postgresql: but was 'jdbc:mysql://h/db?password=***'");
  }

  @Test
  void persistedPositionNeedsAnExplicitConsumerName() {
    String expected =
        "consumerName must be set: the position is stored under it (persistPosition is on"
            + " by default), so it must be unique per process and stable across its restarts; or call"
            + " persistPosition(false) to keep the position in memory only (every start then reports a"
            + " gap, which clears the caches it feeds)";
    assertThatThrownBy(
            () ->
                PgOutboxSource.builder()
                    .dataSource(new PGSimpleDataSource())
                    .persistPosition(true)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(expected);
    // The default persists, so the default needs the name too: no silent in-memory fallback.
    assertThatThrownBy(() -> PgOutboxSource.builder().dataSource(new PGSimpleDataSource()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(expected);
    assertThat(
            PgOutboxSource.builder()
                .dataSource(new PGSimpleDataSource())
                .persistPosition(false)
                .build()
                .name())
        .isEqualTo("pg-outbox:local");
  }

  @Test
  void pruningSettingsWithPruningOffAreAContradiction() {
    assertThatThrownBy(
            () ->
                PgOutboxSource.builder()
                    .dataSource(new PGSimpleDataSource())
                    .consumerName("web-1")
                    .pruning(false)
                    .retention(Duration.ofHours(1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "retention and pruneInterval apply only with pruning on, but pruning was false");
  }

  @Test
  void badValuesAreRejectedNamingFieldAndValue() {
    assertThatThrownBy(() -> PgOutboxSource.builder().batchSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("batchSize must be");
    assertThatThrownBy(() -> PgOutboxSource.builder().pollInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pollInterval must be > 0 but was PT0S");
    assertThatThrownBy(() -> PgOutboxSource.builder().consumerName("web 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consumerName must match [A-Za-z0-9_.:\\-]{1,100} but was 'web 1'");
    assertThatThrownBy(
            () ->
                PgOutboxSource.builder()
                    .reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.max must be >= initial PT2S but was PT1S");
    assertThatThrownBy(() -> PgOutboxSource.builder().consumerName("a").consumerName("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("consumerName");
  }

  @Test
  void sourceIsNamedByItsConsumer() {
    assertThat(
            PgOutboxSource.builder()
                .dataSource(new PGSimpleDataSource())
                .consumerName("web-1")
                .build()
                .name())
        .isEqualTo("pg-outbox:web-1");
  }

  @Test
  void outboxNamesAreCheckedSoNoCallerTextReachesSql() {
    assertThatThrownBy(() -> PgOutbox.builder().outboxTable("x; DROP TABLE t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("outboxTable must be name or schema.name");
    assertThatThrownBy(() -> PgOutbox.builder().channel("Bad-Channel"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("channel must match [a-z_][a-z0-9_]{0,62} but was 'Bad-Channel'");
    assertThatThrownBy(() -> PgOutbox.defaults().captureTriggerDdl("product", "id", "it's"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cacheName must match");
    assertThatThrownBy(() -> PgOutbox.builder().outboxTable("a").positionTable("a").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("positionTable must differ from the outbox tables but was 'a'");
  }

  @Test
  void schemaQualifiedOutboxDerivesQuotedSiblingNames() {
    PgOutbox o = PgOutbox.builder().outboxTable("inv.outbox").channel("inv_chan").build();
    assertThat(o.outboxTable()).isEqualTo("inv.outbox");
    assertThat(String.join("\n", o.schemaDdl()))
        .contains(
            "\"inv\".\"outbox\"",
            "\"inv\".\"outbox_pruned\"",
            "\"inv\".\"outbox_capture\"",
            "'inv_chan'");
  }

  @Test
  void triggerNamesAreDistinctPerCacheAndColumnEvenWhenSanitisedAlike() {
    assertThat(PgOutbox.triggerName("a.b", "id")).isNotEqualTo(PgOutbox.triggerName("a_b", "id"));
    assertThat(PgOutbox.triggerName("a", "id")).isNotEqualTo(PgOutbox.triggerName("a", "code"));
    assertThat(PgOutbox.triggerName("x".repeat(100), "id").length()).isLessThanOrEqualTo(63);
  }
}
