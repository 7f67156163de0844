package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FenceDebtTest {

  @Test
  void payingASnapshotSettlesOnlyWhatItCoveredAndAKeyOwedAgainMeanwhileStaysOwed() {
    FenceDebt debt = new FenceDebt(10);
    debt.owe(List.of("a", "b"));
    FenceDebt.Snapshot s = debt.snapshot();
    debt.owe(List.of("b", "c")); // b owed again while the payment for the snapshot runs
    debt.paid(s);
    assertThat(debt.snapshot().keys()).containsOnlyKeys("b", "c");
    assertThat(debt.isEmpty()).isFalse();
    debt.paid(debt.snapshot());
    assertThat(debt.isEmpty()).isTrue();
  }

  @Test
  void tooManyKeysOrAClearBecomeOneClearThatSettlesEveryKeyOwedBeforeIt() {
    FenceDebt debt = new FenceDebt(3);
    debt.owe(List.of("a", "b", "c", "d"));
    FenceDebt.Snapshot s = debt.snapshot();
    assertThat(s.all()).isNotZero();
    debt.owe(List.of("e")); // after the clear was owed: not covered by it
    debt.paid(s);
    assertThat(debt.snapshot().all()).isZero();
    assertThat(debt.snapshot().keys()).containsOnlyKeys("e");
  }

  @Test
  void aClearOwedAgainWhileOneIsPaidStaysOwed() {
    FenceDebt debt = new FenceDebt(100);
    debt.oweAll();
    FenceDebt.Snapshot s = debt.snapshot();
    debt.oweAll();
    debt.paid(s);
    assertThat(debt.isEmpty()).isFalse();
    assertThat(debt.size()).isEqualTo(1);
  }
}
