package dev.larder.cache.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What an L2 entry holds: the encoded value (or the mark of a cached absence) with the metadata
 * that staleness and early refresh need, so neither costs an extra round trip.
 *
 * <p>Layout (big-endian): magic {@code 'L'}, format {@code 1}, flags (bit 0: absent), version (8),
 * written-at epoch millis (8), soft-expiry epoch millis (8), load millis (4), value length (4),
 * value bytes. Anything else is {@linkplain #decode(byte[]) rejected} as corrupt.
 *
 * @param absent whether this records that the loader found nothing
 * @param version the per-key version the write was made under
 * @param writtenAtMillis when the value was written (wall clock)
 * @param softExpiryMillis until when the value is fresh (wall clock)
 * @param loadMillis how long the load that produced it took (XFetch's delta)
 * @param value the codec's bytes; empty when absent
 */
@SuppressWarnings("ArrayRecordComponent") // a carrier of bytes, never compared or hashed
public record Envelope(
    boolean absent,
    long version,
    long writtenAtMillis,
    long softExpiryMillis,
    int loadMillis,
    byte[] value) {

  static final byte MAGIC = 'L';
  static final byte FORMAT = 1;
  static final int HEADER_BYTES = 1 + 1 + 1 + 8 + 8 + 8 + 4 + 4;
  private static final byte FLAG_ABSENT = 1;

  /**
   * Serialises this envelope.
   *
   * @return the bytes stored in Redis
   */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + value.length);
    b.put(MAGIC).put(FORMAT).put(absent ? FLAG_ABSENT : 0);
    b.putLong(version).putLong(writtenAtMillis).putLong(softExpiryMillis);
    b.putInt(loadMillis).putInt(value.length).put(value);
    return b.array();
  }

  /**
   * Parses stored bytes.
   *
   * @param bytes what Redis returned
   * @return the envelope, or {@code null} when the bytes are not a well-formed envelope
   */
  public static @Nullable Envelope decode(byte[] bytes) {
    if (bytes.length < HEADER_BYTES || bytes[0] != MAGIC || bytes[1] != FORMAT) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    b.position(2);
    byte flags = b.get();
    if ((flags & ~FLAG_ABSENT) != 0) {
      return null;
    }
    long version = b.getLong();
    long writtenAt = b.getLong();
    long softExpiry = b.getLong();
    int loadMillis = b.getInt();
    int length = b.getInt();
    if (loadMillis < 0 || length < 0 || length != b.remaining() || softExpiry < writtenAt) {
      return null;
    }
    boolean absent = (flags & FLAG_ABSENT) != 0;
    if (absent && length != 0) {
      return null;
    }
    byte[] value = Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length);
    return new Envelope(absent, version, writtenAt, softExpiry, loadMillis, value);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Envelope e
        && absent == e.absent
        && version == e.version
        && writtenAtMillis == e.writtenAtMillis
        && softExpiryMillis == e.softExpiryMillis
        && loadMillis == e.loadMillis
        && Arrays.equals(value, e.value);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(version) * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "Envelope[absent="
        + absent
        + ", version="
        + version
        + ", writtenAt="
        + writtenAtMillis
        + ", softExpiry="
        + softExpiryMillis
        + ", loadMillis="
        + loadMillis
        + ", bytes="
        + value.length
        + "]";
  }
}
