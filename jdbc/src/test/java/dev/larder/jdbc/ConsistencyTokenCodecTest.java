package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.PageDirection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsistencyTokenCodecTest {
  private static final byte[] OLD = secret('o');
  private static final byte[] NEW = secret('n');
  private static final ConsistencyToken TOKEN =
      ConsistencyToken.of(7432101234567890123L, 2, "16/B374D848");

  private static byte[] secret(char c) {
    byte[] s = new byte[CursorCodec.MIN_SECRET_BYTES];
    Arrays.fill(s, (byte) c);
    return s;
  }

  private static ConsistencyTokenCodec codec(CursorCodec.Builder b) {
    return ConsistencyTokenCodec.signedWith(b.build());
  }

  @Test
  void signedHeadersRoundTripEveryPositionIncludingTheHighestOnes() {
    ConsistencyTokenCodec tokens = codec(CursorCodec.builder().signingKey("k1", NEW));
    for (String lsn : List.of("0/0", "16/B374D848", "7FFFFFFF/FFFFFFFF", "FFFFFFFF/FFFFFFFF")) {
      ConsistencyToken t = ConsistencyToken.of(-1L, Integer.MAX_VALUE, lsn);
      String header = tokens.toHeader(t);
      assertThat(header).startsWith("pgs1.").matches("pgs1\\.[A-Za-z0-9_-]+");
      assertThat(tokens.parse(header)).isEqualTo(t);
    }
  }

  @Test
  void aClientCannotMakeUpOrMoveAPosition() {
    ConsistencyTokenCodec tokens = codec(CursorCodec.builder().signingKey("k1", NEW));
    String header = tokens.toHeader(TOKEN);
    // Every single-character change is refused, whatever it would decode to.
    for (int i = "pgs1.".length(); i < header.length(); i++) {
      char c = header.charAt(i);
      String altered = header.substring(0, i) + (c == 'A' ? 'B' : 'A') + header.substring(i + 1);
      assertThatThrownBy(() -> tokens.parse(altered))
          .as("changed at %d", i)
          .isInstanceOf(InvalidConsistencyTokenException.class)
          .hasMessageStartingWith("consistency token refused: ");
    }
    // The unsigned form (what a forger writes by hand) is refused outright.
    assertThatThrownBy(() -> tokens.parse(TOKEN.toHeader()))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage(
            "consistency token is not signed: this service accepts only signed tokens ('pgs1....')");
    // Signed with a key this service does not have.
    ConsistencyTokenCodec stranger = codec(CursorCodec.builder().signingKey("k1", OLD));
    assertThatThrownBy(() -> tokens.parse(stranger.toHeader(TOKEN)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token refused: the token's signature does not match");
    assertThatThrownBy(() -> tokens.parse("pgs1." + "A".repeat(600)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageContaining("too long");
  }

  @Test
  void keysRotateAsCursorKeysDo() {
    ManualTimeSource time = ManualTimeSource.startingAt(Instant.parse("2026-12-01T00:00:00Z"));
    String oldHeader = codec(CursorCodec.builder().signingKey("2026-11", OLD)).toHeader(TOKEN);
    ConsistencyTokenCodec rotated =
        codec(
            CursorCodec.builder()
                .signingKey("2026-12", NEW)
                .verificationKey("2026-11", OLD, Instant.parse("2026-12-02T00:00:00Z"))
                .timeSource(time));

    assertThat(rotated.parse(oldHeader)).isEqualTo(TOKEN);
    assertThat(rotated.parse(rotated.toHeader(TOKEN))).isEqualTo(TOKEN);
    time.advance(Duration.ofDays(2));
    assertThatThrownBy(() -> rotated.parse(oldHeader))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token refused: the token was signed with a retired key");
    ConsistencyTokenCodec newOnly = codec(CursorCodec.builder().signingKey("2026-12", NEW));
    assertThatThrownBy(() -> newOnly.parse(oldHeader))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage(
            "consistency token refused: the token was signed with a key that is not accepted");
  }

  @Test
  void aKeysetCursorSignedWithTheSameKeysIsNoToken() {
    CursorCodec shared = CursorCodec.builder().signingKey("k1", NEW).build();
    String cursor =
        shared.encode(
            PageDirection.FORWARD,
            List.of(TOKEN.systemIdentifier(), TOKEN.timeline(), TOKEN.lsnValue()),
            "orders-by-date");
    assertThatThrownBy(() -> ConsistencyTokenCodec.signedWith(shared).parse("pgs1." + cursor))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage(
            "consistency token refused: the token belongs to another query, sort or filter");
  }

  @Test
  void sessionsReadAndWriteSignedHeaders() {
    ConsistencyTokenCodec tokens = codec(CursorCodec.builder().signingKey("k1", NEW));
    ConsistencySession s = ConsistencySession.fromHeader(null, tokens);
    assertThat(s.toHeader(tokens)).isEmpty();
    s.observe(TOKEN);
    ConsistencySession next = ConsistencySession.fromHeader(s.toHeader(tokens), tokens);
    assertThat(next.token()).isEqualTo(TOKEN);
    assertThatThrownBy(() -> ConsistencySession.fromHeader(s.toHeader(), tokens))
        .isInstanceOf(InvalidConsistencyTokenException.class);
    assertThat(tokens.toString()).doesNotContain(new String(NEW, StandardCharsets.ISO_8859_1));
  }
}
