package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

  static BsonDocument clusterTime(int seconds, int inc) {
    return new BsonDocument("clusterTime", new BsonTimestamp(seconds, inc))
        .append("signature", new BsonDocument("hash", new BsonBinary(new byte[20]))
            .append("keyId", new BsonInt64(7)));
  }

  @Provide
  Arbitrary<ConsistencyToken> tokens() {
    return Combinators.combine(
            Arbitraries.integers().between(1, Integer.MAX_VALUE),
            Arbitraries.integers().between(0, 1000),
            Arbitraries.integers().between(0, 100_000))
        .as((secs, inc, ahead) -> ConsistencyToken.of(
            new BsonTimestamp(secs, inc), clusterTime((int) Math.min(Integer.MAX_VALUE, (long) secs + ahead), inc)));
  }

  @Property
  void headerRoundTripsAnyToken(@ForAll("tokens") ConsistencyToken token) {
    String header = token.toHeader();
    assertThat(header).matches("m1\\.[A-Za-z0-9_-]+").hasSizeLessThanOrEqualTo(ConsistencyToken.MAX_HEADER_LENGTH);
    assertThat(ConsistencyToken.fromHeader(header)).isEqualTo(token);
  }

  @Property
  void arbitraryHeadersEitherParseOrFailTyped(@ForAll String header) {
    try {
      ConsistencyToken.fromHeader(header);
    } catch (InvalidConsistencyTokenException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property
  void corruptedPayloadsFailTyped(@ForAll("tokens") ConsistencyToken token, @ForAll byte flip, @ForAll int where) {
    byte[] bytes = Base64.getUrlDecoder().decode(token.toHeader().substring(3));
    int i = Math.floorMod(where, bytes.length);
    bytes[i] ^= flip == 0 ? 1 : flip;
    String header = "m1." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    try {
      ConsistencyToken parsed = ConsistencyToken.fromHeader(header);
      assertThat(parsed.isPrimaryOnly()).isFalse();
    } catch (InvalidConsistencyTokenException expected) {
      assertThat(expected).hasMessageStartingWith("consistency token");
    }
  }

  @Property
  void mergeKeepsTheLaterTimesAndIsCommutative(@ForAll("tokens") ConsistencyToken a, @ForAll("tokens") ConsistencyToken b) {
    ConsistencyToken m = a.merge(b);
    ConsistencyToken n = b.merge(a);
    assertThat(m.operationTime()).isEqualTo(n.operationTime());
    assertThat(m.clusterTime().orElseThrow().get("clusterTime"))
        .isEqualTo(n.clusterTime().orElseThrow().get("clusterTime"));
    assertThat(m.operationTime().orElseThrow())
        .isGreaterThanOrEqualTo(a.operationTime().orElseThrow())
        .isGreaterThanOrEqualTo(b.operationTime().orElseThrow());
    assertThat(m.merge(ConsistencyToken.primaryOnly()).isPrimaryOnly()).isTrue();
  }

  @Test
  void primaryOnlyTokenHasItsOwnHeader() {
    assertThat(ConsistencyToken.primaryOnly().toHeader()).isEqualTo("m1.primary");
    assertThat(ConsistencyToken.fromHeader("m1.primary").isPrimaryOnly()).isTrue();
    assertThat(ConsistencyToken.primaryOnly().operationTime()).isEmpty();
  }

  @Test
  void malformedHeadersAreTypedClientErrors() {
    assertThatThrownBy(() -> ConsistencyToken.fromHeader("m2.abc"))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token must start with 'm1.' (version 1)");
    assertThatThrownBy(() -> ConsistencyToken.fromHeader("m1.***"))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token is not base64url");
    assertThatThrownBy(() -> ConsistencyToken.fromHeader("m1.AAAA"))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token is not a BSON document");
    assertThatThrownBy(() -> ConsistencyToken.fromHeader("m1." + "A".repeat(2000)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token must be at most 1024 characters but was 2003");
  }

  @Test
  void tokenWithAnOperationTimeAfterItsClusterTimeIsRefused() {
    BsonDocument doc = new BsonDocument("o", new BsonTimestamp(2_000_000_000, 1)).append("c", clusterTime(100, 1));
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(header(doc)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageStartingWith("consistency token is inconsistent: clusterTime must not be earlier than operationTime");
    BsonDocument wrongShape = new BsonDocument("o", new BsonString("x")).append("c", clusterTime(100, 1));
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(header(wrongShape)))
        .hasMessage("consistency token must hold an operation time and a cluster time");
  }

  @Test
  void toStringNeverShowsTheSignature() {
    ConsistencyToken t = ConsistencyToken.of(new BsonTimestamp(5, 1), clusterTime(6, 1));
    assertThat(t.toString()).doesNotContain("signature").doesNotContain("hash").contains("Timestamp{value=");
  }

  private static String header(BsonDocument doc) {
    RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
    byte[] bytes = new byte[raw.getByteBuffer().remaining()];
    raw.getByteBuffer().get(bytes);
    return "m1." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static dev.larder.core.keyset.CursorCodec keys(char fill) {
    byte[] secret = new byte[dev.larder.core.keyset.CursorCodec.MIN_SECRET_BYTES];
    java.util.Arrays.fill(secret, (byte) fill);
    return dev.larder.core.keyset.CursorCodec.builder().signingKey("k1", secret).build();
  }

  @Test
  void signedHeadersRoundTripAndAClientCanNeitherMakeOneUpNorMoveItsTimes() {
    dev.larder.core.keyset.CursorCodec keys = keys('a');
    ConsistencyToken token = ConsistencyToken.of(new BsonTimestamp(1_700_000_000, 3), clusterTime(1_700_000_000, 4));
    String header = token.toHeader(keys);
    assertThat(header).startsWith("m2.");
    assertThat(ConsistencyToken.fromHeader(header, keys)).isEqualTo(token);
    assertThat(ConsistencyToken.fromHeader(ConsistencyToken.primaryOnly().toHeader(keys), keys).isPrimaryOnly()).isTrue();

    for (int i = 3; i < header.length(); i += 5) {
      char c = header.charAt(i);
      String altered = header.substring(0, i) + (c == 'A' ? 'B' : 'A') + header.substring(i + 1);
      assertThatThrownBy(() -> ConsistencyToken.fromHeader(altered, keys))
          .as("changed at %d", i)
          .isInstanceOf(InvalidConsistencyTokenException.class)
          .hasMessageStartingWith("consistency token refused: ");
    }
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(token.toHeader(), keys))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token is not signed: this service accepts only signed tokens ('m2....')");
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(token.toHeader(keys('b')), keys))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token refused: the token's signature does not match");
  }

  @Test
  void timesCompareUnsignedPast2038() {
    // BSON timestamps hold unsigned seconds: 0x80000000 s is 2038-01-19, negative as an int.
    ConsistencyToken before = ConsistencyToken.of(new BsonTimestamp(Integer.MAX_VALUE, 1), clusterTime(Integer.MAX_VALUE, 1));
    ConsistencyToken after = ConsistencyToken.of(new BsonTimestamp(Integer.MIN_VALUE, 1), clusterTime(Integer.MIN_VALUE, 1));
    assertThat(before.merge(after)).isEqualTo(after);
    assertThat(after.merge(before)).isEqualTo(after);
    assertThat(after.latestSeconds()).isEqualTo(0x8000_0000L);
  }
}
