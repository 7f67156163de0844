package dev.larder.core.keyset;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Writes and reads typed key values, cursor format version 1. Every supported type round-trips
 * exactly: temporal types keep nanoseconds, BigDecimal keeps its scale, strings are strict UTF-8.
 * Tags are part of the format: never renumber one, only add.
 */
final class KeyValueIo {
  static final int TAG_NULL = 0;
  static final int TAG_FALSE = 1;
  static final int TAG_TRUE = 2;
  static final int TAG_INT = 3;
  static final int TAG_LONG = 4;
  static final int TAG_STRING = 5;
  static final int TAG_INSTANT = 6;
  static final int TAG_OFFSET_DATE_TIME = 7;
  static final int TAG_LOCAL_DATE_TIME = 8;
  static final int TAG_LOCAL_DATE = 9;
  static final int TAG_UUID = 10;
  static final int TAG_BIG_DECIMAL = 11;
  static final int TAG_DOUBLE = 12;
  static final int TAG_CUSTOM = 64;

  private static final int MAX_BYTES = 0xFFFF;

  private KeyValueIo() {}

  /** Thrown for a value that cannot go into a cursor; the caller names the key. */
  static final class UnsupportedValueException extends Exception {
    private static final long serialVersionUID = 1L;

    UnsupportedValueException(String message) {
      super(message);
    }
  }

  // A LocalDateTime is written as its epoch second (UTC) and then its nano-of-second.
  @SuppressWarnings("JavaLocalDateTimeGetNano")
  static void write(
      DataOutputStream out, @Nullable Object v, Map<Class<?>, CustomKeyType<?>> custom)
      throws UnsupportedValueException {
    try {
      if (v == null) {
        out.writeByte(TAG_NULL);
      } else if (v instanceof Boolean b) {
        out.writeByte(b ? TAG_TRUE : TAG_FALSE);
      } else if (v instanceof Integer i) {
        out.writeByte(TAG_INT);
        out.writeInt(i);
      } else if (v instanceof Long l) {
        out.writeByte(TAG_LONG);
        out.writeLong(l);
      } else if (v instanceof String string) {
        out.writeByte(TAG_STRING);
        writeBytes(out, string.getBytes(StandardCharsets.UTF_8));
      } else if (v instanceof Instant i) {
        out.writeByte(TAG_INSTANT);
        out.writeLong(i.getEpochSecond());
        out.writeInt(i.getNano());
      } else if (v instanceof OffsetDateTime o) {
        out.writeByte(TAG_OFFSET_DATE_TIME);
        out.writeLong(o.toEpochSecond());
        out.writeInt(o.getNano());
        out.writeInt(o.getOffset().getTotalSeconds());
      } else if (v instanceof LocalDateTime l) {
        out.writeByte(TAG_LOCAL_DATE_TIME);
        out.writeLong(l.toEpochSecond(ZoneOffset.UTC));
        out.writeInt(l.getNano());
      } else if (v instanceof LocalDate localDate) {
        out.writeByte(TAG_LOCAL_DATE);
        out.writeLong(localDate.toEpochDay());
      } else if (v instanceof UUID u) {
        out.writeByte(TAG_UUID);
        out.writeLong(u.getMostSignificantBits());
        out.writeLong(u.getLeastSignificantBits());
      } else if (v instanceof BigDecimal d) {
        out.writeByte(TAG_BIG_DECIMAL);
        out.writeInt(d.scale());
        writeBytes(out, d.unscaledValue().toByteArray());
      } else if (v instanceof Double d) {
        out.writeByte(TAG_DOUBLE);
        out.writeLong(Double.doubleToRawLongBits(d));
      } else {
        CustomKeyType<?> type = custom.get(v.getClass());
        if (type == null) {
          throw new UnsupportedValueException(
              "values of type "
                  + v.getClass().getName()
                  + " cannot go into a cursor"
                  + " (supported: Boolean, Integer, Long, String, Instant, OffsetDateTime,"
                  + " LocalDateTime, LocalDate, UUID, BigDecimal, Double, registered custom types)");
        }
        out.writeByte(TAG_CUSTOM);
        byte[] id = type.id().getBytes(StandardCharsets.US_ASCII);
        out.writeByte(id.length);
        out.write(id);
        writeBytes(out, type.encode(v));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes)
      throws IOException, UnsupportedValueException {
    if (bytes.length > MAX_BYTES) {
      throw new UnsupportedValueException(
          "a value of "
              + bytes.length
              + " bytes is longer than a cursor allows ("
              + MAX_BYTES
              + ")");
    }
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  /**
   * Reads one value; any inconsistency throws a runtime exception (buffer underflow, date-time or
   * coding errors), which the caller reports as a malformed cursor.
   */
  static @Nullable Object read(ByteBuffer in, Map<String, CustomKeyType<?>> custom)
      throws CharacterCodingException {
    int tag = in.get() & 0xFF;
    switch (tag) {
      case TAG_NULL -> {
        return null;
      }
      case TAG_FALSE -> {
        return false;
      }
      case TAG_TRUE -> {
        return true;
      }
      case TAG_INT -> {
        return in.getInt();
      }
      case TAG_LONG -> {
        return in.getLong();
      }
      case TAG_STRING -> {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(readBytes(in)))
            .toString();
      }
      case TAG_INSTANT -> {
        return Instant.ofEpochSecond(in.getLong(), nanos(in));
      }
      case TAG_OFFSET_DATE_TIME -> {
        long seconds = in.getLong();
        int nanos = nanos(in);
        ZoneOffset offset = ZoneOffset.ofTotalSeconds(in.getInt());
        return OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), offset);
      }
      case TAG_LOCAL_DATE_TIME -> {
        long seconds = in.getLong();
        return LocalDateTime.ofEpochSecond(seconds, nanos(in), ZoneOffset.UTC);
      }
      case TAG_LOCAL_DATE -> {
        return LocalDate.ofEpochDay(in.getLong());
      }
      case TAG_UUID -> {
        return new UUID(in.getLong(), in.getLong());
      }
      case TAG_BIG_DECIMAL -> {
        int scale = in.getInt();
        byte[] unscaled = readBytes(in);
        if (unscaled.length == 0) {
          throw new IllegalArgumentException("empty unscaled value");
        }
        return new BigDecimal(new BigInteger(unscaled), scale);
      }
      case TAG_DOUBLE -> {
        return Double.longBitsToDouble(in.getLong());
      }
      case TAG_CUSTOM -> {
        byte[] id = new byte[in.get() & 0xFF];
        in.get(id);
        CustomKeyType<?> type = custom.get(new String(id, StandardCharsets.US_ASCII));
        if (type == null) {
          throw new IllegalArgumentException("unknown custom type");
        }
        return type.decode(readBytes(in));
      }
      default -> throw new IllegalArgumentException("unknown tag");
    }
  }

  private static int nanos(ByteBuffer in) {
    int nanos = in.getInt();
    if (nanos < 0 || nanos > 999_999_999) {
      throw new IllegalArgumentException("nanos out of range");
    }
    return nanos;
  }

  private static byte[] readBytes(ByteBuffer in) {
    byte[] bytes = new byte[in.getShort() & 0xFFFF];
    in.get(bytes);
    return bytes;
  }
}
