package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class CursorCodecPropertiesTest {
  private static final BigInteger TEN_TO_40 = BigInteger.TEN.pow(40);

  private final CursorCodec codec =
      CursorCodec.builder()
          .signingKey("k1", CursorCodecTest.SECRET_A)
          .customType(
              CustomKeyType.of(
                  "oid",
                  CursorCodecTest.Oid.class,
                  CursorCodecTest.Oid::bytes,
                  CursorCodecTest.Oid::new))
          .build();

  private record RoundTrip(
      List<@Nullable Object> values, PageDirection direction, String binding) {}

  private record Flip(List<@Nullable Object> values, int position) {}

  @Test
  void everySupportedValueRoundTripsExactly() {
    Property.forAll(
        "everySupportedValueRoundTripsExactly",
        500,
        r ->
            new RoundTrip(
                values(r, 8),
                Gen.oneOf(r, PageDirection.FORWARD, PageDirection.BACKWARD),
                Gen.anyString(r, 0, 255)),
        t -> {
          List<@Nullable Object> values = t.values();
          DecodedCursor decoded =
              codec.decode(codec.encode(t.direction(), values, t.binding()), t.binding());
          assertThat(decoded.values()).isEqualTo(values);
          assertThat(decoded.direction()).isEqualTo(t.direction());
          for (int i = 0; i < values.size(); i++) {
            if (values.get(i) instanceof BigDecimal) {
              assertThat(((BigDecimal) decoded.values().get(i)).scale())
                  .isEqualTo(((BigDecimal) values.get(i)).scale());
            }
            if (values.get(i) instanceof OffsetDateTime) {
              assertThat(((OffsetDateTime) decoded.values().get(i)).getOffset())
                  .isEqualTo(((OffsetDateTime) values.get(i)).getOffset());
            }
          }
        });
  }

  @Test
  void anyFlippedBitIsRejected() {
    Property.forAll(
        "anyFlippedBitIsRejected",
        300,
        CursorCodecPropertiesTest::flip,
        f -> {
          String token = codec.encode(PageDirection.FORWARD, f.values(), "q");
          byte[] bytes = Base64.getUrlDecoder().decode(token);
          int bit = Math.floorMod(f.position(), bytes.length * 8);
          bytes[bit / 8] ^= (byte) (1 << (bit % 8));
          String flipped = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
          assertRejectedWithoutEcho(flipped);
        });
  }

  @Test
  void anyFlippedBitOfTheTextIsRejected() {
    Property.forAll(
        "anyFlippedBitOfTheTextIsRejected",
        300,
        CursorCodecPropertiesTest::flip,
        f -> {
          char[] text = codec.encode(PageDirection.FORWARD, f.values(), "q").toCharArray();
          int bit = Math.floorMod(f.position(), text.length * 7); // ASCII: 7 bits per character
          text[bit / 7] ^= (char) (1 << (bit % 7));
          String flipped = new String(text);
          assertRejectedWithoutEcho(flipped);
        });
  }

  /**
   * Rejected with the fixed sentence of its reason: neither the cursor, nor the secret (as text,
   * hex or base64), nor anything from a cause's message.
   */
  private void assertRejectedWithoutEcho(String cursor) {
    assertThatThrownBy(() -> codec.decode(cursor, "q"))
        .isInstanceOfSatisfying(
            InvalidCursorException.class,
            e -> {
              assertThat(e.getMessage())
                  .isEqualTo("invalid cursor (" + e.reason() + "): " + e.reason().description());
              for (Throwable t = e; t != null; t = t.getCause()) {
                String m = String.valueOf(t.getMessage());
                assertThat(m)
                    .doesNotContain(cursor)
                    .doesNotContain(
                        new String(CursorCodecTest.SECRET_A, StandardCharsets.ISO_8859_1))
                    .doesNotContain(HexFormat.of().formatHex(CursorCodecTest.SECRET_A))
                    .doesNotContain(Base64.getEncoder().encodeToString(CursorCodecTest.SECRET_A));
              }
            });
  }

  /**
   * Values and a bit position: any int in {@code [0, MAX_VALUE]}, or, one time in four, one of the
   * last eight bits ({@code -1 .. -8}, which {@code floorMod} counts from the end). The end is
   * where the last character's unused low bits are, which only the canonical-text check rejects; a
   * position drawn from the whole range lands there too rarely to show that check is needed.
   */
  private static Flip flip(Random r) {
    int position =
        r.nextInt(4) == 0 ? -Gen.intBetween(r, 1, 8) : Gen.intBetween(r, 0, Integer.MAX_VALUE);
    return new Flip(values(r, 4), position);
  }

  /** Up to {@code maxSize} key values, each of any type the codec supports (null included). */
  private static List<@Nullable Object> values(Random r, int maxSize) {
    return Gen.listOf(r, 0, maxSize, CursorCodecPropertiesTest::value);
  }

  private static @Nullable Object value(Random r) {
    switch (r.nextInt(13)) {
      case 0:
        return null;
      case 1:
        return r.nextBoolean();
      case 2:
        return Gen.intBetween(r, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case 3:
        return Gen.anyLong(r);
      case 4:
        return Gen.anyString(r, 0, 40);
      case 5:
        return anyDouble(r);
      case 6:
        return instant(r);
      case 7:
        return OffsetDateTime.ofInstant(
            instant(r), ZoneOffset.ofTotalSeconds(Gen.intBetween(r, -18 * 3600, 18 * 3600)));
      case 8:
        {
          Instant i = instant(r);
          return LocalDateTime.ofEpochSecond(i.getEpochSecond(), i.getNano(), ZoneOffset.UTC);
        }
      case 9:
        return LocalDate.ofEpochDay(Gen.longBetween(r, -365_000, 365_000));
      case 10:
        return new UUID(Gen.anyLong(r), Gen.anyLong(r));
      case 11:
        return new BigDecimal(bigIntegerWithin(r, TEN_TO_40), Gen.intBetween(r, -50, 50));
      default:
        return new CursorCodecTest.Oid(Gen.bytes(r, 12, 12));
    }
  }

  private static Instant instant(Random r) {
    return Instant.ofEpochSecond(
        Gen.longBetween(r, -10_000_000_000L, 10_000_000_000L), Gen.intBetween(r, 0, 999_999_999));
  }

  /** Any double: finite ones over the whole range (by bit pattern), the edges and the specials. */
  private static double anyDouble(Random r) {
    if (r.nextInt(8) == 0) {
      return Gen.oneOf(
          r,
          0.0,
          -0.0,
          1.0,
          -1.0,
          Double.MIN_VALUE,
          -Double.MIN_VALUE,
          Double.MAX_VALUE,
          -Double.MAX_VALUE,
          Double.NaN,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY);
    }
    return r.nextBoolean() ? Double.longBitsToDouble(r.nextLong()) : (r.nextDouble() - 0.5) * 2e6;
  }

  /**
   * A BigInteger in {@code [-bound, bound]} of any magnitude (its bit length drawn first), the
   * bounds, zero and one favoured.
   */
  private static BigInteger bigIntegerWithin(Random r, BigInteger bound) {
    if (r.nextInt(8) == 0) {
      return Gen.oneOf(
          r, bound.negate(), bound, BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate());
    }
    int bits = 1 + r.nextInt(bound.bitLength());
    BigInteger v;
    do {
      v = new BigInteger(bits, r);
    } while (v.compareTo(bound) > 0);
    return r.nextBoolean() ? v.negate() : v;
  }
}
