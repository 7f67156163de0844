package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InvalidationSourceBuilderTest {

  /** The smallest concrete builder: exposes what a source's build() reads. */
  private static final class TestBuilder extends InvalidationSourceBuilder<TestBuilder> {
    @Override
    protected TestBuilder self() {
      return this;
    }
  }

  @Test
  void unsetSettingsFallBackToTheDefaults() {
    TestBuilder b = new TestBuilder();
    assertThat(b.hasConsumerName()).isFalse();
    assertThat(b.consumer())
        .isEqualTo(InvalidationSourceBuilder.DEFAULT_CONSUMER)
        .isEqualTo("local");
    assertThat(b.backoff()).isEqualTo(ReconnectBackoff.defaults());
    assertThat(b.time()).isSameAs(TimeSource.system());
  }

  @Test
  void settersChainAndAreReadBack() {
    ManualTimeSource clock = ManualTimeSource.startingAt(Instant.parse("2026-11-23T10:00:00Z"));
    TestBuilder b =
        new TestBuilder()
            .consumerName("web-1.eu:a_b")
            .reconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1))
            .timeSource(clock);
    assertThat(b.hasConsumerName()).isTrue();
    assertThat(b.consumer()).isEqualTo("web-1.eu:a_b");
    assertThat(b.backoff())
        .isEqualTo(new ReconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1)));
    assertThat(b.time()).isSameAs(clock);
  }

  @Test
  void badConsumerNamesAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> new TestBuilder().consumerName("web 1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consumerName must match [A-Za-z0-9_.:\\-]{1,100} but was 'web 1'");
    assertThatThrownBy(() -> new TestBuilder().consumerName(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("consumerName must match");
    assertThatThrownBy(() -> new TestBuilder().consumerName("x".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("consumerName must match");
    assertThatThrownBy(() -> new TestBuilder().consumerName(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("consumerName must not be null");
  }

  @Test
  void repeatedSettingsAreRefusedNamingTheEarlierValue() {
    assertThatThrownBy(() -> new TestBuilder().consumerName("a").consumerName("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("consumerName was already set to a");
    assertThatThrownBy(
            () ->
                new TestBuilder()
                    .reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("reconnectBackoff was already set to ");
    assertThatThrownBy(
            () -> new TestBuilder().timeSource(TimeSource.system()).timeSource(TimeSource.system()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("timeSource was already set to ");
  }

  @Test
  void invalidBackoffIsRejectedAtTheSetter() {
    assertThatThrownBy(
            () -> new TestBuilder().reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.max must be >= initial PT2S but was PT1S");
    assertThatThrownBy(() -> new TestBuilder().timeSource(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("timeSource must not be null");
  }
}
