package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.cache.internal.InvalidationMessage.Type;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InvalidationMessageTest {

  private record Keys(List<String> keys, long seq, long sentAt, long msb, long lsb) {}

  @Test
  void keysMessagesSurviveTheRoundTrip() {
    Property.forAll(
        "keysMessagesSurviveTheRoundTrip",
        1_000,
        r -> new Keys(keys(r, 20), Gen.anyLong(r), Gen.anyLong(r), Gen.anyLong(r), Gen.anyLong(r)),
        k -> {
          long[] versions = k.keys().stream().mapToLong(String::length).toArray();
          InvalidationMessage m =
              new InvalidationMessage(
                  Type.KEYS, new UUID(k.msb(), k.lsb()), k.seq(), k.sentAt(), k.keys(), versions);
          assertThat(InvalidationMessage.decode(m.encode())).isEqualTo(m);
        });
  }

  /** Between 1 and {@code max} keys of 1 to 40 characters (any, surrogate pairs included). */
  private static List<String> keys(Random r, int max) {
    return Gen.listOf(r, 1, max, e -> Gen.anyString(e, 1, 40));
  }

  @Test
  void everyTruncationIsRejected() {
    Property.forAll(
        "everyTruncationIsRejected",
        1_000,
        r -> keys(r, 5),
        keys -> {
          byte[] full =
              new InvalidationMessage(
                      Type.KEYS, UUID.randomUUID(), 1, 2, keys, new long[keys.size()])
                  .encode();
          for (int len = 0; len < full.length; len++) {
            assertThat(InvalidationMessage.decode(Arrays.copyOf(full, len)))
                .as("first %d bytes", len)
                .isNull();
          }
        });
  }

  @Test
  void allAndHeartbeatCarryNoKeys() {
    for (Type t : List.of(Type.ALL, Type.HEARTBEAT)) {
      InvalidationMessage m =
          new InvalidationMessage(t, UUID.randomUUID(), 7, 8, List.of(), new long[0]);
      assertThat(InvalidationMessage.decode(m.encode())).isEqualTo(m);
      assertThatThrownBy(
              () -> new InvalidationMessage(t, UUID.randomUUID(), 1, 1, List.of("k"), new long[1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must not carry keys but carried 1");
    }
    assertThatThrownBy(
            () ->
                new InvalidationMessage(Type.KEYS, UUID.randomUUID(), 1, 1, List.of(), new long[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must carry keys but carried 0");
    assertThatThrownBy(
            () ->
                new InvalidationMessage(
                    Type.KEYS, UUID.randomUUID(), 1, 1, List.of("k"), new long[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("versions must have one entry per key (1) but had 2");
  }

  @Test
  void junkIsRejected() {
    byte[] good =
        new InvalidationMessage(Type.KEYS, UUID.randomUUID(), 1, 2, List.of("k"), new long[] {3})
            .encode();
    assertThat(InvalidationMessage.decode(null)).isNull();
    assertThat(InvalidationMessage.decode(new byte[0])).isNull();
    assertThat(InvalidationMessage.decode("hello".getBytes())).isNull();
    byte[] badType = good.clone();
    badType[2] = 9;
    assertThat(InvalidationMessage.decode(badType)).isNull();
    byte[] hugeCount = good.clone();
    hugeCount[InvalidationMessage.HEADER_BYTES - 4] = 0x7f;
    assertThat(InvalidationMessage.decode(hugeCount)).isNull();
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThat(InvalidationMessage.decode(trailing)).isNull();
    byte[] badUtf8 = good.clone();
    badUtf8[badUtf8.length - 1] = (byte) 0xff;
    assertThat(InvalidationMessage.decode(badUtf8)).isNull();
  }
}
