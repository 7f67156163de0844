package dev.larder.core.keyset;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A key value type the cursor format does not know natively, carried as bytes under a short type id
 * (for example MongoDB's {@code ObjectId} as its 12 bytes under {@code "oid"}). Register it with
 * {@link CursorCodec.Builder#customType(CustomKeyType)}.
 *
 * <p>The conversion must be lossless: {@code fromBytes(toBytes(v))} equals {@code v}.
 *
 * @param <T> the Java type
 */
public final class CustomKeyType<T> {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,16}");

  private final String id;
  private final Class<T> type;
  private final Function<T, byte[]> toBytes;
  private final Function<byte[], T> fromBytes;

  private CustomKeyType(
      String id, Class<T> type, Function<T, byte[]> toBytes, Function<byte[], T> fromBytes) {
    this.id = id;
    this.type = type;
    this.toBytes = toBytes;
    this.fromBytes = fromBytes;
  }

  /**
   * Describes a custom type.
   *
   * @param id 1 to 16 characters of {@code [A-Za-z0-9._-]}, stable forever (it is in cursors)
   * @param type the Java class; values are matched by exact class
   * @param toBytes the value's bytes (at most 65535)
   * @param fromBytes the value from its bytes; may throw on bad input (the cursor is then rejected
   *     as malformed)
   * @param <T> the Java type
   * @return the type
   * @throws IllegalArgumentException if the id does not match the pattern
   */
  public static <T> CustomKeyType<T> of(
      String id, Class<T> type, Function<T, byte[]> toBytes, Function<byte[], T> fromBytes) {
    Objects.requireNonNull(id, "id must not be null");
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("id must match " + ID + " but was \"" + id + "\"");
    }
    return new CustomKeyType<>(
        id,
        Objects.requireNonNull(type, "type must not be null"),
        Objects.requireNonNull(toBytes, "toBytes must not be null"),
        Objects.requireNonNull(fromBytes, "fromBytes must not be null"));
  }

  /**
   * The type id written into cursors.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * The Java class.
   *
   * @return the class
   */
  public Class<T> type() {
    return type;
  }

  byte[] encode(Object value) {
    return Objects.requireNonNull(toBytes.apply(type.cast(value)), "toBytes returned null");
  }

  Object decode(byte[] bytes) {
    return Objects.requireNonNull(fromBytes.apply(bytes), "fromBytes returned null");
  }
}
