package dev.larder.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PrimaryHistoryTest {

  @Test
  void aStandbyBehindIsBehindSinceThePrimaryWasFirstSeenPastIt() {
    PrimaryHistory h = new PrimaryHistory();
    h.observe(100, 1_000);
    h.observe(100, 2_000); // a quiet primary: same position, nothing new
    h.observe(250, 3_000);
    h.observe(400, 4_000);

    assertThat(h.firstSeenPast(99)).hasValue(1_000);
    assertThat(h.firstSeenPast(100)).hasValue(3_000);
    assertThat(h.firstSeenPast(300)).hasValue(4_000);
    assertThat(h.firstSeenPast(400)).isEmpty();
    assertThat(h.firstSeenPast(500)).isEmpty();
    assertThat(h.latest()).hasValue(400);
  }

  @Test
  void positionsCompareUnsignedAcrossTheSignBit() {
    PrimaryHistory h = new PrimaryHistory();
    long low = 0x7FFF_FFFF_FFFF_FFF0L;
    long high = 0x8000_0000_0000_0010L; // negative as a signed long, yet later
    h.observe(low, 1);
    h.observe(high, 2);
    h.observe(low, 3); // not above the latest: ignored

    assertThat(h.firstSeenPast(low)).hasValue(2);
    assertThat(h.firstSeenPast(0x8000_0000_0000_0000L)).hasValue(2);
    assertThat(h.firstSeenPast(high)).isEmpty();
    assertThat(h.latest()).hasValue(high);
  }

  @Test
  void aFullHistoryAnswersNeverEarlierThanTheExactOneAndKeepsItsOldestEntry() {
    PrimaryHistory h = new PrimaryHistory();
    int n = PrimaryHistory.CAPACITY * 3;
    for (int i = 0; i < n; i++) {
      h.observe(10L * (i + 1), 1_000L * (i + 1));
    }
    for (long replayed = 0; replayed < 10L * n; replayed += 7) {
      long exact = 1_000L * (replayed / 10 + 1); // first position above replayed, seen at that time
      OptionalLong answer = h.firstSeenPast(replayed);
      assertThat(answer).isPresent();
      // Coarser is allowed (a smaller lower bound on the lag), earlier never.
      assertThat(answer.getAsLong()).as("replayed %s", replayed).isGreaterThanOrEqualTo(exact);
    }
    assertThat(h.firstSeenPast(0)).hasValue(1_000);
    assertThat(h.latest()).hasValue(10L * n);
  }

  @Test
  void clearForgetsEverything() {
    PrimaryHistory h = new PrimaryHistory();
    h.observe(5, 1);
    h.clear();
    assertThat(h.latest()).isEmpty();
    assertThat(h.firstSeenPast(0)).isEmpty();
  }
}
