package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

  /** A token's parts: any system identifier, a timeline from 1 up, any LSN. */
  record Parts(long system, int timeline, long lsn) {}

  /**
   * Two LSNs; one time in four equal and one in four neighbours, where {@code >=} meets {@code >}.
   */
  record Positions(long a, long b) {
    static Positions draw(Random r) {
      long a = Gen.anyLong(r);
      return switch (r.nextInt(4)) {
        case 0 -> new Positions(a, a);
        case 1 -> new Positions(a, a + Gen.oneOf(r, 1L, -1L));
        default -> new Positions(a, Gen.anyLong(r));
      };
    }
  }

  static String lsnText(long lsn) {
    return Long.toHexString(lsn >>> 32) + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL);
  }

  @Test
  void headerRoundTripsAnyToken() {
    Property.forAll(
        "pg token header round-trips",
        1000,
        r -> new Parts(Gen.anyLong(r), Gen.intBetween(r, 1, Integer.MAX_VALUE), Gen.anyLong(r)),
        p -> {
          ConsistencyToken token = ConsistencyToken.of(p.system(), p.timeline(), lsnText(p.lsn()));
          ConsistencyToken back = ConsistencyToken.parse(token.toHeader());
          assertThat(back).isEqualTo(token);
          assertThat(back.lsnValue()).isEqualTo(p.lsn());
          assertThat(back.systemIdentifier()).isEqualTo(p.system());
        });
  }

  @Test
  void laterPositionsCompareAfterEarlierOnes() {
    Property.forAll(
        "pg token positions compare unsigned, at-or-after",
        1000,
        Positions::draw,
        p -> {
          ConsistencyToken ta = ConsistencyToken.parse("pg1:7:1:" + lsnText(p.a()));
          ConsistencyToken tb = ConsistencyToken.parse("pg1:7:1:" + lsnText(p.b()));
          assertThat(ta.isAtOrAfter(tb)).isEqualTo(Long.compareUnsigned(p.a(), p.b()) >= 0);
        });
  }

  @Test
  void printsLsnAsPostgresDoes() {
    ConsistencyToken t = ConsistencyToken.of(7432101234567890123L, 1, "16/b374d848");
    assertThat(t.lsn()).isEqualTo("16/B374D848");
    assertThat(t.toHeader()).isEqualTo("pg1:7432101234567890123:1:16/B374D848");
  }

  @Test
  void malformedHeadersAreRejectedAsBadInput() {
    for (String bad :
        new String[] {
          "",
          "pg1",
          "pg2:1:1:0/1",
          "pg1:x:1:0/1",
          "pg1:1:0:0/1",
          "pg1:1:1:01",
          "pg1:1:1:0/1:extra",
          "pg1:1:1:123456789/0"
        }) {
      assertThatThrownBy(() -> ConsistencyToken.parse(bad))
          .as(bad)
          .isInstanceOf(InvalidConsistencyTokenException.class)
          .hasMessageContaining("consistency token");
    }
    assertThatThrownBy(() -> ConsistencyToken.parse("pg1:" + "9".repeat(100)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageContaining("too long");
  }

  @Test
  void tokensOfDifferentClustersDoNotCompare() {
    ConsistencyToken a = ConsistencyToken.of(1, 1, "0/10");
    ConsistencyToken b = ConsistencyToken.of(2, 1, "0/20");
    assertThatThrownBy(() -> a.isAtOrAfter(b))
        .isInstanceOf(ForeignClusterTokenException.class)
        .hasMessage(
            "consistency token is from another cluster: token system identifier 2 but this cluster is 1");
  }

  @Test
  void sessionKeepsTheLatestPositionAndRoundTripsThroughItsHeader() {
    ConsistencySession s = ConsistencySession.fromHeader(null);
    assertThat(s.token()).isNull();
    assertThat(s.toHeader()).isEmpty();
    assertThat(s.readIntent(ReadIntent.any())).isEqualTo(ReadIntent.any());
    s.observe(ConsistencyToken.of(1, 1, "0/20"));
    s.observe(ConsistencyToken.of(1, 1, "0/10"));
    assertThat(s.token().lsn()).isEqualTo("0/20");
    ConsistencySession next = ConsistencySession.fromHeader(s.toHeader());
    assertThat(next.readIntent(ReadIntent.any()))
        .isEqualTo(ReadIntent.readYourWrites(ConsistencyToken.of(1, 1, "0/20")));
    assertThatThrownBy(() -> s.observe(ConsistencyToken.of(2, 1, "0/30")))
        .isInstanceOf(ForeignClusterTokenException.class);
  }
}
