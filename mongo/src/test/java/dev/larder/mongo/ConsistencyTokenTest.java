package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.Base64;
import java.util.Random;
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
        .append(
            "signature",
            new BsonDocument("hash", new BsonBinary(new byte[20]))
                .append("keyId", new BsonInt64(7)));
  }

  private static final String BASE64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /**
   * Operation time: seconds in [1, 2^31 - 1], increment in [0, 1000]; cluster time up to 100,000 s
   * later.
   */
  static ConsistencyToken token(Random r) {
    return token(Gen.intBetween(r, 1, Integer.MAX_VALUE), Gen.intBetween(r, 0, 1000), r);
  }

  private static ConsistencyToken token(int secs, int inc, Random r) {
    int ahead = Gen.intBetween(r, 0, 100_000);
    return ConsistencyToken.of(
        new BsonTimestamp(secs, inc),
        clusterTime((int) Math.min(Integer.MAX_VALUE, (long) secs + ahead), inc));
  }

  /** Two tokens; one time in four with the same operation time, so ties are tried too. */
  record Two(ConsistencyToken a, ConsistencyToken b) {
    static Two draw(Random r) {
      ConsistencyToken a = token(r);
      if (r.nextInt(4) != 0) {
        return new Two(a, token(r));
      }
      BsonTimestamp op = a.operationTime().orElseThrow();
      return new Two(a, token(op.getTime(), op.getInc(), r));
    }
  }

  /** A token, a byte to flip it with and where (any int, taken modulo the payload's length). */
  record Corruption(ConsistencyToken token, byte flip, int where) {
    static Corruption draw(Random r) {
      return new Corruption(
          ConsistencyTokenTest.token(r),
          (byte) Gen.intBetween(r, Byte.MIN_VALUE, Byte.MAX_VALUE),
          Gen.intBetween(r, Integer.MIN_VALUE, Integer.MAX_VALUE));
    }
  }

  /**
   * Any string up to 255 code points, a quarter of them as drawn, the rest behind the "m1." prefix
   * (a random string would almost never get past it): any text, base64url text (random bytes for
   * the BSON reader), or a real header cut short or with a character changed.
   */
  static String header(Random r) {
    switch (r.nextInt(4)) {
      case 0:
        return Gen.anyString(r, 0, 255);
      case 1:
        return "m1." + Gen.anyString(r, 0, 255);
      case 2:
        return "m1." + Gen.string(r, 0, 255, BASE64URL);
      default:
        String real = token(r).toHeader();
        int at = Gen.intBetween(r, 3, real.length() - 1);
        return r.nextBoolean()
            ? real.substring(0, at)
            : real.substring(0, at)
                + BASE64URL.charAt(r.nextInt(BASE64URL.length()))
                + real.substring(at + 1);
    }
  }

  @Test
  void headerRoundTripsAnyToken() {
    Property.forAll(
        "mongo token header round-trips",
        1000,
        ConsistencyTokenTest::token,
        token -> {
          String header = token.toHeader();
          assertThat(header)
              .matches("m1\\.[A-Za-z0-9_-]+")
              .hasSizeLessThanOrEqualTo(ConsistencyToken.MAX_HEADER_LENGTH);
          assertThat(ConsistencyToken.fromHeader(header)).isEqualTo(token);
        });
  }

  @Test
  void arbitraryHeadersEitherParseOrFailTyped() {
    Property.forAll(
        "arbitrary mongo token headers parse or fail typed",
        1000,
        ConsistencyTokenTest::header,
        header -> {
          try {
            ConsistencyToken.fromHeader(header);
          } catch (InvalidConsistencyTokenException expected) {
            assertThat(expected.getMessage()).isNotBlank();
          }
        });
  }

  @Test
  void corruptedPayloadsFailTyped() {
    Property.forAll(
        "corrupted mongo token payloads fail typed",
        1000,
        Corruption::draw,
        c -> {
          byte[] bytes = Base64.getUrlDecoder().decode(c.token().toHeader().substring(3));
          int i = Math.floorMod(c.where(), bytes.length);
          bytes[i] ^= c.flip() == 0 ? 1 : c.flip();
          String header = "m1." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
          try {
            ConsistencyToken parsed = ConsistencyToken.fromHeader(header);
            assertThat(parsed.isPrimaryOnly()).isFalse();
          } catch (InvalidConsistencyTokenException expected) {
            assertThat(expected).hasMessageStartingWith("consistency token");
          }
        });
  }

  @Test
  void mergeKeepsTheLaterTimesAndIsCommutative() {
    Property.forAll(
        "mongo token merge keeps the later times and commutes",
        1000,
        Two::draw,
        t -> {
          ConsistencyToken a = t.a();
          ConsistencyToken b = t.b();
          ConsistencyToken m = a.merge(b);
          ConsistencyToken n = b.merge(a);
          assertThat(m.operationTime()).isEqualTo(n.operationTime());
          assertThat(m.clusterTime().orElseThrow().get("clusterTime"))
              .isEqualTo(n.clusterTime().orElseThrow().get("clusterTime"));
          assertThat(m.operationTime().orElseThrow())
              .isGreaterThanOrEqualTo(a.operationTime().orElseThrow())
              .isGreaterThanOrEqualTo(b.operationTime().orElseThrow());
          assertThat(m.merge(ConsistencyToken.primaryOnly()).isPrimaryOnly()).isTrue();
        });
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
    BsonDocument doc =
        new BsonDocument("o", new BsonTimestamp(2_000_000_000, 1)).append("c", clusterTime(100, 1));
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(header(doc)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageStartingWith(
            "consistency token is inconsistent: clusterTime must not be earlier than operationTime");
    BsonDocument wrongShape =
        new BsonDocument("o", new BsonString("x")).append("c", clusterTime(100, 1));
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(header(wrongShape)))
        .hasMessage("consistency token must hold an operation time and a cluster time");
  }

  @Test
  void toStringNeverShowsTheSignature() {
    ConsistencyToken t = ConsistencyToken.of(new BsonTimestamp(5, 1), clusterTime(6, 1));
    assertThat(t.toString())
        .doesNotContain("signature")
        .doesNotContain("hash")
        .contains("Timestamp{value=");
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
    ConsistencyToken token =
        ConsistencyToken.of(new BsonTimestamp(1_700_000_000, 3), clusterTime(1_700_000_000, 4));
    String header = token.toHeader(keys);
    assertThat(header).startsWith("m2.");
    assertThat(ConsistencyToken.fromHeader(header, keys)).isEqualTo(token);
    assertThat(
            ConsistencyToken.fromHeader(ConsistencyToken.primaryOnly().toHeader(keys), keys)
                .isPrimaryOnly())
        .isTrue();

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
        .hasMessage(
            "consistency token is not signed: this service accepts only signed tokens ('m2....')");
    assertThatThrownBy(() -> ConsistencyToken.fromHeader(token.toHeader(keys('b')), keys))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessage("consistency token refused: the token's signature does not match");
  }

  @Test
  void timesCompareUnsignedPast2038() {
    // BSON timestamps hold unsigned seconds: 0x80000000 s is 2038-01-19, negative as an int.
    ConsistencyToken before =
        ConsistencyToken.of(
            new BsonTimestamp(Integer.MAX_VALUE, 1), clusterTime(Integer.MAX_VALUE, 1));
    ConsistencyToken after =
        ConsistencyToken.of(
            new BsonTimestamp(Integer.MIN_VALUE, 1), clusterTime(Integer.MIN_VALUE, 1));
    assertThat(before.merge(after)).isEqualTo(after);
    assertThat(after.merge(before)).isEqualTo(after);
    assertThat(after.latestSeconds()).isEqualTo(0x8000_0000L);
  }
}
