package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

  @Test
  void parsesBothHalves() {
    assertThat(Lsn.parse("0/0")).isZero();
    assertThat(Lsn.parse("0/3000148")).isEqualTo(0x3000148L);
    assertThat(Lsn.parse("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
  }

  @Test
  void distanceCrossesTheHalfBoundaryAndIsNeverNegative() {
    assertThat(Lsn.distance("1/0", "0/FFFFFFFF")).isEqualTo(1);
    assertThat(Lsn.distance("0/10", "0/20")).isZero();
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> Lsn.parse("3000148"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lsn must look like 'X/Y' but was '3000148'");
    assertThatThrownBy(() -> Lsn.parse("0/xyz")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Lsn.parse("0/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Lsn.parse("1/100000000")).isInstanceOf(IllegalArgumentException.class);
  }
}
