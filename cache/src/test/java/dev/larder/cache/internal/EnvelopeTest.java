package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  private record Cut(Envelope envelope, int cut) {}

  @Test
  void encodeThenDecodeGivesTheSameEnvelope() {
    Property.forAll(
        "encodeThenDecodeGivesTheSameEnvelope",
        1_000,
        EnvelopeTest::envelope,
        e -> assertThat(Envelope.decode(e.encode())).isEqualTo(e));
  }

  @Test
  void truncatedOrExtendedBytesAreRejected() {
    Property.forAll(
        "truncatedOrExtendedBytesAreRejected",
        1_000,
        r -> new Cut(envelope(r), Gen.intBetween(r, 1, 40)),
        c -> {
          byte[] bytes = c.envelope().encode();
          assertThat(Envelope.decode(Arrays.copyOf(bytes, Math.max(0, bytes.length - c.cut()))))
              .isNull();
          assertThat(Envelope.decode(Arrays.copyOf(bytes, bytes.length + c.cut()))).isNull();
        });
  }

  @Test
  void bytesWithoutTheMagicAreRejected() {
    Property.forAll(
        "bytesWithoutTheMagicAreRejected",
        1_000,
        EnvelopeTest::garbage,
        garbage -> {
          if (garbage.length > 0 && garbage[0] == Envelope.MAGIC) {
            garbage[0] = 0;
          }
          assertThat(Envelope.decode(garbage)).isNull();
        });
  }

  @Test
  void anAbsentEnvelopeCarryingBytesIsRejected() {
    Property.forAll(
        "anAbsentEnvelopeCarryingBytesIsRejected",
        1_000,
        EnvelopeTest::envelope,
        e -> {
          if (e.value().length == 0) {
            return;
          }
          byte[] bytes = e.encode();
          bytes[2] = 1; // flag "absent" on an envelope with a value
          assertThat(Envelope.decode(bytes)).isNull();
        });
  }

  /**
   * Up to 255 bytes: random ones, or, one time in two, a well-formed envelope (which random bytes
   * almost never are, so only these show that the magic byte is what rejects them).
   */
  private static byte[] garbage(Random r) {
    return r.nextBoolean() ? envelope(r).encode() : Gen.bytes(r, 0, 255);
  }

  private static Envelope envelope(Random r) {
    boolean absent = r.nextBoolean();
    long version = Gen.longBetween(r, 0, Long.MAX_VALUE);
    long written = Gen.longBetween(r, 0, 4_000_000_000_000L);
    long ttl = Gen.longBetween(r, 0, 86_400_000L);
    int load = Gen.intBetween(r, 0, 100_000);
    byte[] value = Gen.bytes(r, 0, 200);
    return new Envelope(
        absent, version, written, written + ttl, load, absent ? new byte[0] : value);
  }
}
