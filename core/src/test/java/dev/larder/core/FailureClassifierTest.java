package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

  private static final FailureClassifier IO_IS_TRANSIENT =
      f -> f instanceof IOException ? FailureClass.TRANSIENT : FailureClass.UNKNOWN;
  private static final FailureClassifier ILLEGAL_ARG_IS_PERMANENT =
      f -> f instanceof IllegalArgumentException ? FailureClass.PERMANENT : FailureClass.UNKNOWN;

  @Test
  void orElseAsksTheNextClassifierOnlyWhenTheFirstDoesNotKnow() {
    FailureClassifier both = IO_IS_TRANSIENT.orElse(ILLEGAL_ARG_IS_PERMANENT);
    assertThat(both.classify(new IOException())).isEqualTo(FailureClass.TRANSIENT);
    assertThat(both.classify(new IllegalArgumentException())).isEqualTo(FailureClass.PERMANENT);
    assertThat(both.classify(new TimeoutException())).isEqualTo(FailureClass.UNKNOWN);
  }

  @Test
  void firstKnownAnswerWins() {
    FailureClassifier alwaysPermanent = f -> FailureClass.PERMANENT;
    assertThat(IO_IS_TRANSIENT.orElse(alwaysPermanent).classify(new IOException()))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(alwaysPermanent.orElse(IO_IS_TRANSIENT).classify(new IOException()))
        .isEqualTo(FailureClass.PERMANENT);
  }

  @Test
  void walkingCausesFindsTheWrappedFailure() {
    RuntimeException wrapped =
        new RuntimeException("driver", new IllegalStateException("x", new IOException("reset")));
    assertThat(IO_IS_TRANSIENT.classify(wrapped)).isEqualTo(FailureClass.UNKNOWN);
    assertThat(FailureClassifier.walkingCauses(IO_IS_TRANSIENT).classify(wrapped))
        .isEqualTo(FailureClass.TRANSIENT);
  }

  @Test
  void walkingCausesPrefersTheOutermostKnownAnswer() {
    IllegalArgumentException outer = new IllegalArgumentException("bad", new IOException());
    FailureClassifier c =
        FailureClassifier.walkingCauses(IO_IS_TRANSIENT.orElse(ILLEGAL_ARG_IS_PERMANENT));
    assertThat(c.classify(outer)).isEqualTo(FailureClass.PERMANENT);
  }

  @Test
  void walkingCausesSurvivesCyclesAndDeepChains() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    assertThat(FailureClassifier.walkingCauses(IO_IS_TRANSIENT).classify(a))
        .isEqualTo(FailureClass.UNKNOWN);
    assertThat(FailureClassifier.causalChain(a)).containsExactly(a, b);

    Throwable deep = new IOException("root");
    for (int i = 0; i < 100; i++) {
      deep = new RuntimeException("level " + i, deep);
    }
    assertThat(FailureClassifier.causalChain(deep)).hasSize(FailureClassifier.MAX_CAUSE_DEPTH + 1);
    // the root is beyond the depth limit, so it is not consulted
    assertThat(FailureClassifier.walkingCauses(IO_IS_TRANSIENT).classify(deep))
        .isEqualTo(FailureClass.UNKNOWN);
  }

  @Test
  void unknownRecognisesNothing() {
    assertThat(FailureClassifier.unknown().classify(new IOException()))
        .isEqualTo(FailureClass.UNKNOWN);
  }

  @Test
  void retryabilityDependsOnClassAndIdempotence() {
    assertThat(FailureClass.TRANSIENT.isRetryable(false)).isTrue();
    assertThat(FailureClass.TRANSIENT.isRetryable(true)).isTrue();
    assertThat(FailureClass.UNKNOWN.isRetryable(false)).isFalse();
    assertThat(FailureClass.UNKNOWN.isRetryable(true)).isTrue();
    assertThat(FailureClass.PERMANENT.isRetryable(true)).isFalse();
  }

  @Test
  void nullArgumentsAreRejectedByName() {
    assertThatThrownBy(() -> IO_IS_TRANSIENT.orElse(null))
        .hasMessage("next classifier must not be null");
    assertThatThrownBy(() -> FailureClassifier.walkingCauses(null))
        .hasMessage("delegate classifier must not be null");
    assertThatThrownBy(() -> FailureClassifier.causalChain(null))
        .hasMessage("failure must not be null");
  }
}
