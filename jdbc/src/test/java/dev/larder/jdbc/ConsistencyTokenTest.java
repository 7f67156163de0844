package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

  @Property
  void headerRoundTripsAnyToken(@ForAll long system, @ForAll @IntRange(min = 1) int timeline, @ForAll long lsn) {
    String text = Long.toHexString(lsn >>> 32) + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL);
    ConsistencyToken token = ConsistencyToken.of(system, timeline, text);
    ConsistencyToken back = ConsistencyToken.parse(token.toHeader());
    assertThat(back).isEqualTo(token);
    assertThat(back.lsnValue()).isEqualTo(lsn);
    assertThat(back.systemIdentifier()).isEqualTo(system);
  }

  @Property
  void laterPositionsCompareAfterEarlierOnes(@ForAll long a, @ForAll long b) {
    ConsistencyToken ta = ConsistencyToken.parse("pg1:7:1:" + Long.toHexString(a >>> 32) + "/" + Long.toHexString(a & 0xFFFF_FFFFL));
    ConsistencyToken tb = ConsistencyToken.parse("pg1:7:1:" + Long.toHexString(b >>> 32) + "/" + Long.toHexString(b & 0xFFFF_FFFFL));
    assertThat(ta.isAtOrAfter(tb)).isEqualTo(Long.compareUnsigned(a, b) >= 0);
  }

  @Test
  void printsLsnAsPostgresDoes() {
    ConsistencyToken t = ConsistencyToken.of(7432101234567890123L, 1, "16/b374d848");
    assertThat(t.lsn()).isEqualTo("16/B374D848");
    assertThat(t.toHeader()).isEqualTo("pg1:7432101234567890123:1:16/B374D848");
  }

  @Test
  void malformedHeadersAreRejectedAsBadInput() {
    for (String bad : new String[] {"", "pg1", "pg2:1:1:0/1", "pg1:x:1:0/1", "pg1:1:0:0/1", "pg1:1:1:01",
        "pg1:1:1:0/1:extra", "pg1:1:1:123456789/0"}) {
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
        .hasMessage("consistency token is from another cluster: token system identifier 2 but this cluster is 1");
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
    assertThat(next.readIntent(ReadIntent.any())).isEqualTo(ReadIntent.readYourWrites(ConsistencyToken.of(1, 1, "0/20")));
    assertThatThrownBy(() -> s.observe(ConsistencyToken.of(2, 1, "0/30"))).isInstanceOf(ForeignClusterTokenException.class);
  }
}
