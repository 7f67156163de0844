package dev.larder.mongo.keyset;

import dev.larder.core.internal.Require;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.CustomKeyType;
import java.nio.ByteBuffer;
import java.util.Date;
import java.util.List;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * The BSON value types a cursor must carry for MongoDB and that larder-core (which knows no driver)
 * does not: {@code ObjectId} (its 12 bytes), BSON dates as the driver decodes them ({@code
 * java.util.Date}, its epoch milliseconds) and {@code Decimal128} (its 16-byte IEEE 754 BID
 * encoding, so NaN, infinities and negative zero survive). Each round-trips exactly.
 *
 * <p>Register them on every codec used with {@link MongoKeyset}: {@code
 * MongoCursorTypes.register(CursorCodec.builder()).signingKey(id, secret).build()}.
 *
 * <p>Holds only immutable constants; its methods are thread-safe (the {@code CursorCodec.Builder}
 * handed to {@link #register} is not).
 */
public final class MongoCursorTypes {
  /** {@code ObjectId} under type id {@code "oid"}. */
  public static final CustomKeyType<ObjectId> OBJECT_ID =
      CustomKeyType.of(
          "oid", ObjectId.class, ObjectId::toByteArray, b -> new ObjectId(exactly(12, b)));

  /** {@code java.util.Date} (a BSON date) under type id {@code "date"}. */
  @SuppressWarnings("JavaUtilDate") // the driver's type for a BSON date
  public static final CustomKeyType<Date> DATE =
      CustomKeyType.of(
          "date",
          Date.class,
          d -> ByteBuffer.allocate(8).putLong(d.getTime()).array(),
          b -> new Date(ByteBuffer.wrap(exactly(8, b)).getLong()));

  /** {@code Decimal128} under type id {@code "dec128"}. */
  public static final CustomKeyType<Decimal128> DECIMAL128 =
      CustomKeyType.of(
          "dec128",
          Decimal128.class,
          d -> ByteBuffer.allocate(16).putLong(d.getHigh()).putLong(d.getLow()).array(),
          b -> {
            ByteBuffer in = ByteBuffer.wrap(exactly(16, b));
            return Decimal128.fromIEEE754BIDEncoding(in.getLong(), in.getLong());
          });

  private static final List<CustomKeyType<?>> ALL = List.of(OBJECT_ID, DATE, DECIMAL128);

  private MongoCursorTypes() {}

  /**
   * Every type above.
   *
   * @return an immutable list
   */
  public static List<CustomKeyType<?>> all() {
    return ALL;
  }

  /**
   * Registers every type above on a codec builder.
   *
   * @param builder a codec builder that has none of them yet
   * @return the same builder
   * @throws IllegalArgumentException if one of the types or ids is already registered
   */
  public static CursorCodec.Builder register(CursorCodec.Builder builder) {
    Require.notNull(builder, "builder");
    for (CustomKeyType<?> t : ALL) {
      builder.customType(t);
    }
    return builder;
  }

  private static byte[] exactly(int length, byte[] bytes) {
    if (bytes.length != length) {
      // Reached only through a validly signed cursor; the codec reports it as malformed.
      throw new IllegalArgumentException(
          "value must have " + length + " bytes but had " + bytes.length);
    }
    return bytes;
  }
}
