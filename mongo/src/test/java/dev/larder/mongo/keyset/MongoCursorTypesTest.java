package dev.larder.mongo.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.CustomKeyType;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.PageDirection;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ObjectIds, BSON dates and Decimal128s go through a cursor and come back identical. */
class MongoCursorTypesTest {
  final CursorCodec codec = MongoKeysetFixtures.codec("k", 't');

  @Test
  void mongoValuesRoundTripExactly() {
    Property.forAll(
        "mongo key values round-trip through a cursor exactly",
        300,
        r -> Gen.listOf(r, 1, 6, MongoCursorTypesTest::mongoValue),
        values -> {
          List<Object> back =
              codec.decode(codec.encode(PageDirection.FORWARD, values, "q"), "q").values();
          assertThat(back).isEqualTo(values);
          for (int i = 0; i < values.size(); i++) {
            assertThat(back.get(i)).isExactlyInstanceOf(values.get(i).getClass());
          }
        });
  }

  private static final Decimal128[] SPECIAL_DECIMALS = {
    Decimal128.NaN,
    Decimal128.POSITIVE_INFINITY,
    Decimal128.NEGATIVE_INFINITY,
    Decimal128.NEGATIVE_ZERO,
    Decimal128.POSITIVE_ZERO
  };

  /** An ObjectId from 12 random bytes, a Date at any long, or a Decimal128. */
  static Object mongoValue(Random r) {
    switch (r.nextInt(3)) {
      case 0:
        return new ObjectId(Gen.bytes(r, 12, 12));
      case 1:
        return new Date(Gen.anyLong(r));
      default:
        return r.nextBoolean()
            ? Gen.oneOf(r, SPECIAL_DECIMALS)
            : new Decimal128(new BigDecimal(unscaled(r), Gen.intBetween(r, -6000, 6000)));
    }
  }

  /**
   * An integer of up to 34 decimal digits (Decimal128's precision), either sign; 0 and ±(10^34 - 1)
   * favoured.
   */
  private static BigInteger unscaled(Random r) {
    BigInteger max = BigInteger.TEN.pow(34).subtract(BigInteger.ONE);
    if (r.nextInt(8) == 0) {
      return Gen.oneOf(r, BigInteger.ZERO, max, max.negate());
    }
    BigInteger bound = BigInteger.TEN.pow(Gen.intBetween(r, 1, 34));
    BigInteger v;
    do {
      v = new BigInteger(bound.bitLength(), r);
    } while (v.compareTo(bound) >= 0);
    return r.nextBoolean() ? v.negate() : v;
  }

  /** Every wrong length up to 40: the domain is small enough to try all of it. */
  static IntStream lengths() {
    return IntStream.rangeClosed(0, 40).filter(n -> n != 12);
  }

  @ParameterizedTest(name = "{0} bytes")
  @MethodSource("lengths")
  void aSignedValueOfTheWrongLengthIsMalformedNotACrash(int length) {
    // A codec sharing the secret but with a broken "oid" type: only a bug or a leaked key gets
    // such a payload signed; it must still come back as a client error.
    CustomKeyType<byte[]> broken = CustomKeyType.of("oid", byte[].class, b -> b, b -> b);
    CursorCodec leaky =
        CursorCodec.builder()
            .signingKey("k", MongoKeysetFixtures.secret('t'))
            .customType(broken)
            .build();
    byte[] wrong = new byte[length];
    Arrays.fill(wrong, (byte) 7);
    String cursor = leaky.encode(PageDirection.FORWARD, List.of(wrong), "q");
    assertThatThrownBy(() -> codec.decode(cursor, "q"))
        .isInstanceOfSatisfying(
            InvalidCursorException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidCursorException.Reason.MALFORMED));
  }
}
