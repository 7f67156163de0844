package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutChainTest {
  private static final Duration ONE = Duration.ofSeconds(1);
  private static final Duration TWO = Duration.ofSeconds(2);
  private static final Duration THREE = Duration.ofSeconds(3);
  private static final Duration FIVE = Duration.ofSeconds(5);

  @Test
  void aChainThatGrowsFromTheInsideOutPasses() {
    TimeoutChain chain =
        TimeoutChain.of("pool connectionTimeout", ONE)
            .then("loadTimeout", TWO)
            .then("retry deadline", THREE)
            .then("request budget", FIVE);
    assertThat(chain.check()).isSameAs(chain);
    assertThat(chain.contradictions()).isEmpty();
    assertThat(chain)
        .hasToString(
            "pool connectionTimeout (PT1S) < loadTimeout (PT2S) < retry deadline (PT3S) < request budget (PT5S)");
  }

  @Test
  void aPoolTimeoutLongerThanTheLoadTimeoutIsRefusedNamingBothAndTheKnobs() {
    // the wiring: OLTP's former 3 s connection timeout inside a 2 s loadTimeout
    assertThatThrownBy(
            () -> TimeoutChain.of("pool connectionTimeout", THREE).then("loadTimeout", TWO).check())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "pool connectionTimeout (PT3S) must be < loadTimeout (PT2S): loadTimeout runs out first,"
                + " so the failure behind pool connectionTimeout (a refused connection, with its cause) is never seen"
                + " and cannot be retried; lower pool connectionTimeout or raise loadTimeout");
  }

  @Test
  void equalTimeoutsAreRefusedToo() {
    assertThatThrownBy(
            () -> TimeoutChain.of("loadTimeout", TWO).then("retry deadline", TWO).check())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("loadTimeout (PT2S) must be < retry deadline (PT2S)")
        .hasMessageEndingWith("lower loadTimeout or raise retry deadline");
  }

  @Test
  void aLinkFurtherOutIsCheckedAgainstItsInnerNeighbour() {
    assertThatThrownBy(
            () ->
                TimeoutChain.of("pool connectionTimeout", ONE)
                    .then("loadTimeout", TWO)
                    .then("retry deadline", FIVE)
                    .then("request budget", THREE)
                    .check())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("retry deadline (PT5S) must be < request budget (PT3S)")
        .hasMessageEndingWith("lower retry deadline or raise request budget");
  }

  @Test
  void everyContradictionIsNamedInOneMessage() {
    TimeoutChain chain =
        TimeoutChain.of("pool connectionTimeout", THREE)
            .then("loadTimeout", TWO)
            .then("retry deadline", FIVE)
            .then("request budget", ONE);
    assertThat(chain.contradictions()).hasSize(2);
    assertThat(chain.contradictions().get(0))
        .startsWith("pool connectionTimeout (PT3S) must be < loadTimeout (PT2S)");
    assertThat(chain.contradictions().get(1))
        .startsWith("retry deadline (PT5S) must be < request budget (PT1S)");
    assertThatThrownBy(chain::check)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "timeout chain pool connectionTimeout (PT3S) < loadTimeout (PT2S) < retry deadline"
                + " (PT5S) < request budget (PT1S) contradicts itself 2 times: pool connectionTimeout (PT3S) must be <")
        .hasMessageContaining("; retry deadline (PT5S) must be < request budget (PT1S)");
  }

  @Test
  void badLinksAreRefusedAtOnceNamingTheLink() {
    assertThatThrownBy(() -> TimeoutChain.of("loadTimeout", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loadTimeout must be > 0 but was PT0S");
    assertThatThrownBy(
            () -> TimeoutChain.of("a", ONE).then("retry deadline", Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry deadline must be > 0 but was PT-0.005S");
    assertThatThrownBy(() -> TimeoutChain.of(" ", ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> TimeoutChain.of("a", null)).isInstanceOf(NullPointerException.class);
  }
}
