package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class EnvelopeTest {

  @Property
  void encodeThenDecodeGivesTheSameEnvelope(@ForAll("envelopes") Envelope e) {
    assertThat(Envelope.decode(e.encode())).isEqualTo(e);
  }

  @Property
  void truncatedOrExtendedBytesAreRejected(@ForAll("envelopes") Envelope e, @ForAll @IntRange(min = 1, max = 40) int cut) {
    byte[] bytes = e.encode();
    assertThat(Envelope.decode(Arrays.copyOf(bytes, Math.max(0, bytes.length - cut)))).isNull();
    assertThat(Envelope.decode(Arrays.copyOf(bytes, bytes.length + cut))).isNull();
  }

  @Property
  void bytesWithoutTheMagicAreRejected(@ForAll byte[] garbage) {
    if (garbage.length > 0 && garbage[0] == Envelope.MAGIC) {
      garbage[0] = 0;
    }
    assertThat(Envelope.decode(garbage)).isNull();
  }

  @Property
  void anAbsentEnvelopeCarryingBytesIsRejected(@ForAll("envelopes") Envelope e) {
    if (e.value().length == 0) {
      return;
    }
    byte[] bytes = e.encode();
    bytes[2] = 1; // flag "absent" on an envelope with a value
    assertThat(Envelope.decode(bytes)).isNull();
  }

  @Provide
  Arbitrary<Envelope> envelopes() {
    Arbitrary<Long> times = Arbitraries.longs().between(0, 4_000_000_000_000L);
    return net.jqwik.api.Combinators.combine(
            Arbitraries.of(true, false), Arbitraries.longs().greaterOrEqual(0), times,
            Arbitraries.longs().between(0, 86_400_000L), Arbitraries.integers().between(0, 100_000),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
        .as((absent, version, written, ttl, load, value) ->
            new Envelope(absent, version, written, written + ttl, load, absent ? new byte[0] : value));
  }
}
