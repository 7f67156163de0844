package dev.larder.cache.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One message on a cache's invalidation channel.
 *
 * <p>Compact binary layout (big-endian): magic {@code 'I'}, format {@code 2}, type (1 keys, 2 all,
 * 3 heartbeat), flags (bit 0: after a loss), origin instance id (16), sequence number (8), sent-at
 * epoch micros (8), key count (4), then per key: version (8), UTF-8 length (2), UTF-8 bytes. Format
 * 1 (no flags byte) is still read. Anything else is {@linkplain #decode(byte[]) rejected}, so a
 * foreign publisher on the channel cannot make an instance misbehave, only be counted.
 *
 * @param type what the message says
 * @param origin the publishing cache instance, so it can ignore its own echo
 * @param seq the publisher's sequence number of invalidations (keys and clear-all): consecutive per
 *     origin, so a receiver sees a gap; a heartbeat carries the number of the last invalidation
 *     sent before it
 * @param sentAtMicros wall-clock publish time, to measure propagation latency
 * @param keys the invalidated caller keys (only for {@link Type#KEYS})
 * @param versions per key, the version Redis holds after the invalidation (0 when unknown)
 * @param afterLoss whether the publisher failed to publish an invalidation since its last message
 *     that reached Redis: a receiver that does not know this origin yet must then assume it missed
 *     something
 */
@SuppressWarnings("ArrayRecordComponent") // a carrier, never compared or hashed
public record InvalidationMessage(
    Type type,
    UUID origin,
    long seq,
    long sentAtMicros,
    List<String> keys,
    long[] versions,
    boolean afterLoss) {

  static final byte MAGIC = 'I';
  static final byte FORMAT = 2;
  static final byte FORMAT_1 = 1;
  static final int HEADER_BYTES = 1 + 1 + 1 + 1 + 16 + 8 + 8 + 4;
  static final int HEADER_BYTES_1 = HEADER_BYTES - 1;
  private static final byte FLAG_AFTER_LOSS = 1;

  /** Longest key the message format carries, in UTF-8 bytes (larger than any namespace allows). */
  static final int MAX_KEY_BYTES = 0xFFFF;

  /** What a message says. */
  public enum Type {
    /** Drop these keys. */
    KEYS(1),
    /** Drop every key of the cache. */
    ALL(2),
    /** Nothing changed: the publisher is alive and its sequence continues. */
    HEARTBEAT(3);

    final byte code;

    Type(int code) {
      this.code = (byte) code;
    }

    static @Nullable Type of(byte code) {
      for (Type t : values()) {
        if (t.code == code) {
          return t;
        }
      }
      return null;
    }
  }

  /**
   * Validates the components.
   *
   * @throws IllegalArgumentException if keys and versions differ in length, or keys are given for a
   *     type other than KEYS, or none for KEYS
   */
  public InvalidationMessage {
    keys = List.copyOf(keys);
    versions = versions.clone();
    if (keys.size() != versions.length) {
      throw new IllegalArgumentException(
          "versions must have one entry per key (" + keys.size() + ") but had " + versions.length);
    }
    if ((type == Type.KEYS) == keys.isEmpty()) {
      throw new IllegalArgumentException(
          "a "
              + type
              + " message must "
              + (type == Type.KEYS ? "" : "not ")
              + "carry keys but carried "
              + keys.size());
    }
  }

  /**
   * A message not sent after a loss.
   *
   * @param type what the message says
   * @param origin the publishing cache instance
   * @param seq the publisher's sequence number
   * @param sentAtMicros wall-clock publish time
   * @param keys the invalidated keys
   * @param versions per key, the version after the invalidation
   */
  public InvalidationMessage(
      Type type, UUID origin, long seq, long sentAtMicros, List<String> keys, long[] versions) {
    this(type, origin, seq, sentAtMicros, keys, versions, false);
  }

  /**
   * The version at a key's index.
   *
   * @param i the index
   * @return its version
   */
  public long version(int i) {
    return versions[i];
  }

  /**
   * Serialises the message.
   *
   * @return the bytes published
   * @throws IllegalArgumentException if a key is longer than {@value #MAX_KEY_BYTES} UTF-8 bytes
   */
  public byte[] encode() {
    List<byte[]> encoded = new ArrayList<>(keys.size());
    int size = HEADER_BYTES;
    for (String k : keys) {
      byte[] b = k.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_KEY_BYTES) {
        throw new IllegalArgumentException(
            "key must be at most " + MAX_KEY_BYTES + " UTF-8 bytes but was " + b.length);
      }
      encoded.add(b);
      size += 8 + 2 + b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(MAGIC).put(FORMAT).put(type.code).put(afterLoss ? FLAG_AFTER_LOSS : 0);
    buf.putLong(origin.getMostSignificantBits()).putLong(origin.getLeastSignificantBits());
    buf.putLong(seq).putLong(sentAtMicros).putInt(keys.size());
    for (int i = 0; i < encoded.size(); i++) {
      buf.putLong(versions[i]).putShort((short) encoded.get(i).length).put(encoded.get(i));
    }
    return buf.array();
  }

  /**
   * Parses received bytes.
   *
   * @param bytes what the channel delivered
   * @return the message, or {@code null} when the bytes are not a well-formed message
   */
  public static @Nullable InvalidationMessage decode(byte @Nullable [] bytes) {
    if (bytes == null
        || bytes.length < HEADER_BYTES_1
        || bytes[0] != MAGIC
        || (bytes[1] != FORMAT && bytes[1] != FORMAT_1)) {
      return null;
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      buf.position(2);
      Type type = Type.of(buf.get());
      byte flags = bytes[1] == FORMAT ? buf.get() : 0;
      if ((flags & ~FLAG_AFTER_LOSS) != 0) {
        return null;
      }
      UUID origin = new UUID(buf.getLong(), buf.getLong());
      long seq = buf.getLong();
      long sentAt = buf.getLong();
      int count = buf.getInt();
      // Each key takes at least 11 bytes: a count that cannot fit is corrupt, not a reason to
      // allocate.
      if (type == null
          || count < 0
          || count > buf.remaining() / 11
          || (type == Type.KEYS) == (count == 0)) {
        return null;
      }
      List<String> keys = new ArrayList<>(count);
      long[] versions = new long[count];
      var decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      for (int i = 0; i < count; i++) {
        versions[i] = buf.getLong();
        int len = Short.toUnsignedInt(buf.getShort());
        if (len == 0 || len > buf.remaining()) {
          return null;
        }
        ByteBuffer slice = buf.slice(buf.position(), len);
        buf.position(buf.position() + len);
        keys.add(decoder.decode(slice).toString());
      }
      if (buf.hasRemaining()) {
        return null;
      }
      return new InvalidationMessage(
          type, origin, seq, sentAt, keys, versions, (flags & FLAG_AFTER_LOSS) != 0);
    } catch (BufferUnderflowException | CharacterCodingException | IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof InvalidationMessage m
        && type == m.type
        && origin.equals(m.origin)
        && seq == m.seq
        && sentAtMicros == m.sentAtMicros
        && afterLoss == m.afterLoss
        && keys.equals(m.keys)
        && java.util.Arrays.equals(versions, m.versions);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(type, origin, seq, keys) * 31
        + java.util.Arrays.hashCode(versions);
  }

  @Override
  public String toString() {
    return "InvalidationMessage["
        + type
        + ", origin="
        + origin
        + ", seq="
        + seq
        + ", keys="
        + keys.size()
        + (afterLoss ? ", after a loss" : "")
        + "]";
  }
}
