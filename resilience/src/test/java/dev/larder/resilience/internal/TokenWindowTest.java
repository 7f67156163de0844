package dev.larder.resilience.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenWindowTest {
  private final ManualTimeSource time =
      ManualTimeSource.startingAt(Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void withdrawalsNeverExceedReservePlusDepositsWithinAWindow() {
    TokenWindow w = new TokenWindow(time, Duration.ofSeconds(10).toNanos(), 3_000);
    for (int i = 0; i < 20; i++) {
      w.deposit(100); // 20 calls at 10 % = 2 tokens
    }
    int granted = 0;
    for (int i = 0; i < 50; i++) {
      granted += w.tryWithdraw(1_000) ? 1 : 0;
    }
    assertThat(granted).isEqualTo(5); // 3 reserve + 2 deposited
    assertThat(w.balance()).isZero();
  }

  @Test
  void depositsAndWithdrawalsExpireAfterTheWindow() {
    TokenWindow w = new TokenWindow(time, Duration.ofSeconds(10).toNanos(), 1_000);
    w.deposit(5_000);
    assertThat(w.balance()).isEqualTo(6_000);
    assertThat(w.tryWithdraw(1_000)).isTrue();
    time.advance(Duration.ofSeconds(5));
    assertThat(w.balance()).isEqualTo(5_000);
    time.advance(Duration.ofSeconds(5));
    // Deposit and withdrawal of the first slice have both aged out; only the reserve is left.
    assertThat(w.balance()).isEqualTo(1_000);
  }

  @Test
  void theWindowSlidesInTenthSteps() {
    TokenWindow w = new TokenWindow(time, Duration.ofSeconds(10).toNanos(), 0);
    w.deposit(1_000);
    time.advance(Duration.ofSeconds(1));
    w.deposit(2_000);
    time.advance(Duration.ofSeconds(9));
    assertThat(w.balance()).isEqualTo(2_000);
    time.advance(Duration.ofSeconds(1));
    assertThat(w.balance()).isZero();
  }
}
