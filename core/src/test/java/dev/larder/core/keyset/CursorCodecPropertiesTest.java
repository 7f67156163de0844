package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class CursorCodecPropertiesTest {
  private final CursorCodec codec = CursorCodec.builder()
      .signingKey("k1", CursorCodecTest.SECRET_A)
      .customType(CustomKeyType.of("oid", CursorCodecTest.Oid.class,
          CursorCodecTest.Oid::bytes, CursorCodecTest.Oid::new))
      .build();

  @Property(tries = 500)
  void everySupportedValueRoundTripsExactly(
      @ForAll("values") @Size(max = 8) List<Object> values, @ForAll boolean forward,
      @ForAll String binding) {
    PageDirection dir = forward ? PageDirection.FORWARD : PageDirection.BACKWARD;
    DecodedCursor decoded = codec.decode(codec.encode(dir, values, binding), binding);
    assertThat(decoded.values()).isEqualTo(values);
    assertThat(decoded.direction()).isEqualTo(dir);
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
  }

  @Property(tries = 300)
  void anyFlippedBitIsRejected(@ForAll("values") @Size(max = 4) List<Object> values,
      @ForAll("positions") int position) {
    String token = codec.encode(PageDirection.FORWARD, values, "q");
    byte[] bytes = Base64.getUrlDecoder().decode(token);
    int bit = Math.floorMod(position, bytes.length * 8);
    bytes[bit / 8] ^= (byte) (1 << (bit % 8));
    String flipped = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    assertRejectedWithoutEcho(flipped);
  }

  @Property(tries = 300)
  void anyFlippedBitOfTheTextIsRejected(@ForAll("values") @Size(max = 4) List<Object> values,
      @ForAll("positions") int position) {
    char[] text = codec.encode(PageDirection.FORWARD, values, "q").toCharArray();
    int bit = Math.floorMod(position, text.length * 7); // ASCII: 7 bits per character
    text[bit / 7] ^= (char) (1 << (bit % 7));
    String flipped = new String(text);
    assertRejectedWithoutEcho(flipped);
  }

  /**
   * Rejected with the fixed sentence of its reason: neither the cursor, nor the secret (as text,
   * hex or base64), nor anything from a cause's message.
   */
  private void assertRejectedWithoutEcho(String cursor) {
    assertThatThrownBy(() -> codec.decode(cursor, "q"))
        .isInstanceOfSatisfying(InvalidCursorException.class, e -> {
          assertThat(e.getMessage()).isEqualTo(
              "invalid cursor (" + e.reason() + "): " + e.reason().description());
          for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            assertThat(m).doesNotContain(cursor)
                .doesNotContain(new String(CursorCodecTest.SECRET_A, StandardCharsets.ISO_8859_1))
                .doesNotContain(HexFormat.of().formatHex(CursorCodecTest.SECRET_A))
                .doesNotContain(Base64.getEncoder().encodeToString(CursorCodecTest.SECRET_A));
          }
        });
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, Integer.MAX_VALUE);
  }

  @Provide
  Arbitrary<List<Object>> values() {
    Arbitrary<Object> one = Arbitraries.oneOf(
        Arbitraries.just(null),
        Arbitraries.of(true, false),
        Arbitraries.integers(),
        Arbitraries.longs(),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.doubles(),
        instants(),
        Combinators.combine(instants(), Arbitraries.integers().between(-18 * 3600, 18 * 3600))
            .as((i, off) -> OffsetDateTime.ofInstant(i, ZoneOffset.ofTotalSeconds(off))),
        instants().map(i -> LocalDateTime.ofEpochSecond(i.getEpochSecond(), i.getNano(),
            ZoneOffset.UTC)),
        Arbitraries.longs().between(-365_000, 365_000).map(LocalDate::ofEpochDay),
        Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(UUID::new),
        Combinators.combine(Arbitraries.bigIntegers().between(
            BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40)),
            Arbitraries.integers().between(-50, 50)).as(BigDecimal::new),
        Arbitraries.bytes().array(byte[].class).ofSize(12)
            .map(b -> new CursorCodecTest.Oid(b)));
    return one.list().ofMaxSize(8).map(ArrayList::new);
  }

  private static Arbitrary<Instant> instants() {
    return Combinators.combine(
        Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L),
        Arbitraries.integers().between(0, 999_999_999)).as(Instant::ofEpochSecond);
  }
}
