package dev.larder.cache;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns cached values into bytes for the Redis tier and back.
 *
 * <p>An implementation must be thread-safe and deterministic. It may throw any runtime exception
 * for a value it cannot handle: the cache counts it as a codec error, never stores the value in
 * either tier, and treats an undecodable Redis entry as a miss that the next load overwrites.
 *
 * @param <V> the value type
 */
public interface CacheCodec<V> {

  /**
   * Encodes a value.
   *
   * @param value the value, never null
   * @return its bytes
   */
  byte[] encode(V value);

  /**
   * Decodes bytes made by {@link #encode(Object)}.
   *
   * @param bytes the stored bytes
   * @return the value, never null
   */
  V decode(byte[] bytes);

  /**
   * A strict UTF-8 codec for strings: malformed input fails instead of being replaced.
   *
   * @return the codec
   */
  static CacheCodec<String> utf8() {
    return new CacheCodec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        try {
          CharBuffer chars =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT)
                  .decode(ByteBuffer.wrap(bytes));
          return chars.toString();
        } catch (CharacterCodingException e) {
          throw new IllegalArgumentException("bytes are not valid UTF-8", e);
        }
      }

      @Override
      public String toString() {
        return "CacheCodec.utf8()";
      }
    };
  }

  /**
   * A codec from two functions, e.g. a JSON mapper's writer and reader.
   *
   * @param encoder value to bytes
   * @param decoder bytes to value
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if a function is null
   */
  static <V> CacheCodec<V> of(
      Function<? super V, byte[]> encoder, Function<byte[], ? extends V> decoder) {
    Objects.requireNonNull(encoder, "encoder must not be null");
    Objects.requireNonNull(decoder, "decoder must not be null");
    return new CacheCodec<>() {
      @Override
      public byte[] encode(V value) {
        return Objects.requireNonNull(encoder.apply(value), "encoder returned null");
      }

      @Override
      public V decode(byte[] bytes) {
        return Objects.requireNonNull(decoder.apply(bytes), "decoder returned null");
      }
    };
  }
}
