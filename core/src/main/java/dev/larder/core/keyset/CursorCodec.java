package dev.larder.core.keyset;

import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Makes and checks cursors: opaque, URL-safe (base64url without padding), versioned and signed with
 * HMAC-SHA256. Immutable and thread-safe; build one with {@link #builder()} and share it.
 *
 * <p>A cursor carries a format version byte, the signing key's id, the page direction, the second
 * it was issued, an 8-byte digest of what it is bound to (the keyset spec's fingerprint and the
 * caller's filter fingerprint), the boundary row's typed key values, and a 16-byte (128-bit)
 * truncated HMAC over all of that. It is signed, not encrypted: a client who decodes it can read
 * the key values of a row it has already been shown.
 *
 * <p>Key rotation: new cursors are signed with the {@linkplain Builder#signingKey signing key};
 * cursors signed with a {@linkplain Builder#verificationKey verification key} are still accepted
 * (until its deadline, if it has one); a key id that is no longer configured is rejected with
 * {@link InvalidCursorException.Reason#UNKNOWN_KEY}. The MAC is compared in constant time.
 */
public final class CursorCodec {
  /** The format version this release writes. */
  public static final int FORMAT_VERSION = 1;

  /** The shortest secret accepted, in bytes: {@value} (256 bits, HMAC-SHA256's block strength). */
  public static final int MIN_SECRET_BYTES = 32;

  /** The longest cursor accepted, in characters: {@value}. */
  public static final int MAX_CURSOR_LENGTH = 4096;

  static final int MAC_BYTES = 16;
  static final int BINDING_BYTES = 8;
  private static final int MAX_PAYLOAD_BYTES = MAX_CURSOR_LENGTH / 4 * 3 - MAC_BYTES;
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
  private static final String HMAC = "HmacSHA256";
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
  private static final java.util.Set<Class<?>> NATIVE =
      java.util.Set.of(
          Boolean.class,
          Integer.class,
          Long.class,
          String.class,
          Instant.class,
          java.time.OffsetDateTime.class,
          java.time.LocalDateTime.class,
          java.time.LocalDate.class,
          java.util.UUID.class,
          java.math.BigDecimal.class,
          Double.class);

  private final String signingKeyId;
  private final KeyEntry signingKey;
  private final Map<String, KeyEntry> keys;
  private final @Nullable Duration ttl;
  private final TimeSource time;
  private final Map<Class<?>, CustomKeyType<?>> customByClass;
  private final Map<String, CustomKeyType<?>> customById;

  private static final class KeyEntry {
    final SecretKeySpec secret;
    final @Nullable Instant acceptUntil;

    KeyEntry(byte[] secret, @Nullable Instant acceptUntil) {
      this.secret = new SecretKeySpec(secret, HMAC);
      this.acceptUntil = acceptUntil;
    }
  }

  private CursorCodec(Builder b) {
    this.signingKeyId = java.util.Objects.requireNonNull(b.signingKeyId);
    this.keys = Map.copyOf(b.keys);
    // build() checked that the signing key id names one of the keys.
    this.signingKey = java.util.Objects.requireNonNull(keys.get(signingKeyId));
    this.ttl = b.ttl;
    this.time = b.time == null ? TimeSource.system() : b.time;
    this.customByClass = Map.copyOf(b.customByClass);
    Map<String, CustomKeyType<?>> byId = new HashMap<>();
    for (CustomKeyType<?> t : b.customByClass.values()) {
      byId.put(t.id(), t);
    }
    this.customById = Map.copyOf(byId);
  }

  /**
   * Starts a codec.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Makes a cursor.
   *
   * @param direction the direction the next request will read from the boundary row
   * @param values the boundary row's key values, in sort-key order; null where the row had NULL
   * @param binding what the cursor is bound to (the spec fingerprint and filter fingerprint); the
   *     same string must be given to {@link #decode}
   * @return the cursor, base64url without padding
   * @throws IllegalArgumentException if a value's type is not supported, there are more than 255
   *     values, or the cursor would be longer than {@value #MAX_CURSOR_LENGTH} characters
   */
  public String encode(
      PageDirection direction, List<? extends @Nullable Object> values, String binding) {
    Require.notNull(direction, "direction");
    Require.notNull(values, "values");
    Require.notNull(binding, "binding");
    if (values.size() > 255) {
      throw new IllegalArgumentException(
          "values must have at most 255 elements but had " + values.size());
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);
    DataOutputStream out = new DataOutputStream(buffer);
    try {
      out.writeByte(FORMAT_VERSION);
      byte[] keyId = signingKeyId.getBytes(StandardCharsets.US_ASCII);
      out.writeByte(keyId.length);
      out.write(keyId);
      out.writeByte(direction == PageDirection.FORWARD ? 0 : 1);
      out.writeLong(time.now().getEpochSecond());
      out.write(bindingDigest(binding));
      out.writeByte(values.size());
      for (int i = 0; i < values.size(); i++) {
        try {
          KeyValueIo.write(out, values.get(i), customByClass);
        } catch (KeyValueIo.UnsupportedValueException e) {
          throw new IllegalArgumentException("key value " + i + ": " + e.getMessage(), e);
        }
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] payload = buffer.toByteArray();
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "the key values need "
              + payload.length
              + " bytes, more than a cursor holds ("
              + MAX_PAYLOAD_BYTES
              + ")");
    }
    byte[] token = Arrays.copyOf(payload, payload.length + MAC_BYTES);
    System.arraycopy(mac(signingKey, payload, payload.length), 0, token, payload.length, MAC_BYTES);
    return ENCODER.encodeToString(token);
  }

  /**
   * Checks and reads a cursor.
   *
   * @param cursor the cursor as the client sent it
   * @param binding the same binding string given to {@link #encode}
   * @return the decoded cursor
   * @throws InvalidCursorException if the cursor is malformed, of an unknown format version, signed
   *     by a key not configured or retired, altered, bound to something else, or expired
   */
  public DecodedCursor decode(String cursor, String binding) {
    Require.notNull(cursor, "cursor");
    Require.notNull(binding, "binding");
    if (cursor.isEmpty() || cursor.length() > MAX_CURSOR_LENGTH) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    byte[] token;
    try {
      token = DECODER.decode(cursor);
    } catch (IllegalArgumentException e) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    // One text per cursor: no padding, no stray low bits in the last character.
    if (!ENCODER.encodeToString(token).equals(cursor)) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    int version = token[0] & 0xFF;
    if (version != FORMAT_VERSION) {
      // Versions are read by their own decoder; a new format adds a branch here and keeps this one.
      throw new InvalidCursorException(InvalidCursorException.Reason.UNSUPPORTED_VERSION);
    }
    return decodeV1(token, binding);
  }

  private DecodedCursor decodeV1(byte[] token, String binding) {
    int payloadLength = token.length - MAC_BYTES;
    // version, key id length, key id (>= 1), direction, issued-at, binding, value count
    if (token.length < 2 || payloadLength < 3 + 1 + 8 + BINDING_BYTES + 1) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    int keyIdLength = token[1] & 0xFF;
    if (keyIdLength < 1 || 2 + keyIdLength > payloadLength) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    String keyId = new String(token, 2, keyIdLength, StandardCharsets.US_ASCII);
    if (!KEY_ID.matcher(keyId).matches()) {
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
    }
    KeyEntry key = keys.get(keyId);
    if (key == null) {
      throw new InvalidCursorException(InvalidCursorException.Reason.UNKNOWN_KEY);
    }
    byte[] expected = mac(key, token, payloadLength);
    byte[] actual = Arrays.copyOfRange(token, payloadLength, token.length);
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new InvalidCursorException(InvalidCursorException.Reason.BAD_SIGNATURE);
    }
    Instant now = time.now();
    if (key.acceptUntil != null && now.isAfter(key.acceptUntil)) {
      throw new InvalidCursorException(InvalidCursorException.Reason.KEY_RETIRED);
    }
    ByteBuffer in = ByteBuffer.wrap(token, 0, payloadLength);
    in.position(2 + keyIdLength);
    try {
      int flags = in.get() & 0xFF;
      if (flags > 1) {
        throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
      }
      PageDirection direction = flags == 0 ? PageDirection.FORWARD : PageDirection.BACKWARD;
      Instant issuedAt = Instant.ofEpochSecond(in.getLong());
      byte[] bound = new byte[BINDING_BYTES];
      in.get(bound);
      if (!MessageDigest.isEqual(bound, bindingDigest(binding))) {
        throw new InvalidCursorException(InvalidCursorException.Reason.WRONG_QUERY);
      }
      if (ttl != null && now.isAfter(issuedAt.plus(ttl))) {
        throw new InvalidCursorException(InvalidCursorException.Reason.EXPIRED);
      }
      int count = in.get() & 0xFF;
      List<@Nullable Object> values = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        values.add(KeyValueIo.read(in, customById));
      }
      if (in.hasRemaining()) {
        throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED);
      }
      return new DecodedCursor(direction, values, issuedAt, keyId);
    } catch (InvalidCursorException e) {
      throw e;
    } catch (BufferUnderflowException
        | java.nio.charset.CharacterCodingException
        | java.time.DateTimeException
        | IllegalArgumentException
        | ArithmeticException
        | NullPointerException e) {
      // Only reachable with a validly signed but inconsistent payload (a bug or a leaked key);
      // the cause's message carries no payload bytes.
      throw new InvalidCursorException(InvalidCursorException.Reason.MALFORMED, e);
    }
  }

  private static byte[] bindingDigest(String binding) {
    byte[] digest =
        KeysetSpec.sha256(("larder-keyset-binding/1\n" + binding).getBytes(StandardCharsets.UTF_8));
    return Arrays.copyOf(digest, BINDING_BYTES);
  }

  private static byte[] mac(KeyEntry key, byte[] bytes, int length) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key.secret);
      mac.update(bytes, 0, length);
      return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }

  /**
   * Whether values of a class can go into this codec's cursors: natively supported, or registered
   * with {@link Builder#customType(CustomKeyType)}. Backends use it to fail at build time rather
   * than on the first page.
   *
   * @param type a value class (matched exactly)
   * @return true if a cursor can hold its values
   */
  public boolean supports(Class<?> type) {
    Require.notNull(type, "type");
    return NATIVE.contains(type) || customByClass.containsKey(type);
  }

  /** Names the key ids and settings, never the secrets. */
  @Override
  public String toString() {
    return "CursorCodec{signingKey="
        + signingKeyId
        + ", acceptedKeys="
        + keys.keySet()
        + ", ttl="
        + ttl
        + ", customTypes="
        + customById.keySet()
        + "}";
  }

  /** Builds a {@link CursorCodec}; not thread-safe. */
  public static final class Builder {
    private @Nullable String signingKeyId;
    private final Map<String, KeyEntry> keys = new LinkedHashMap<>();
    private @Nullable Duration ttl;
    private @Nullable TimeSource time;
    private final Map<Class<?>, CustomKeyType<?>> customByClass = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The key new cursors are signed with (and that verifies them). Required, exactly once.
     *
     * @param keyId 1 to 32 characters of {@code [A-Za-z0-9._-]}, written into every cursor
     * @param secret at least {@value #MIN_SECRET_BYTES} random bytes (copied)
     * @return this builder
     * @throws IllegalStateException if a signing key was already set
     * @throws IllegalArgumentException if the id is malformed or used twice, or the secret is too
     *     short (the message gives its length, never its bytes)
     */
    public Builder signingKey(String keyId, byte[] secret) {
      Require.notYetSet(signingKeyId, "signingKey");
      addKey(keyId, secret, null);
      signingKeyId = keyId;
      return this;
    }

    /**
     * An older key whose cursors are still accepted, with no deadline: remove it from the
     * configuration to retire it.
     *
     * @param keyId the key's id
     * @param secret the key's secret (copied)
     * @return this builder
     * @throws IllegalArgumentException if the id is malformed or used twice, or the secret is too
     *     short
     */
    public Builder verificationKey(String keyId, byte[] secret) {
      addKey(keyId, secret, null);
      return this;
    }

    /**
     * An older key whose cursors are accepted until a deadline (on the codec's time source), then
     * rejected with {@link InvalidCursorException.Reason#KEY_RETIRED}.
     *
     * @param keyId the key's id
     * @param secret the key's secret (copied)
     * @param acceptUntil the last instant its cursors are accepted
     * @return this builder
     * @throws IllegalArgumentException if the id is malformed or used twice, or the secret is too
     *     short
     */
    public Builder verificationKey(String keyId, byte[] secret, Instant acceptUntil) {
      addKey(keyId, secret, Require.notNull(acceptUntil, "acceptUntil"));
      return this;
    }

    private void addKey(String keyId, byte[] secret, @Nullable Instant acceptUntil) {
      Require.notNull(keyId, "keyId");
      Require.notNull(secret, "secret");
      if (!KEY_ID.matcher(keyId).matches()) {
        throw new IllegalArgumentException(
            "keyId must match " + KEY_ID + " but was \"" + keyId + "\"");
      }
      if (keys.containsKey(keyId)) {
        throw new IllegalArgumentException(
            "keyId must be unique but \"" + keyId + "\" was given twice");
      }
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "secret of key \""
                + keyId
                + "\" must be >= "
                + MIN_SECRET_BYTES
                + " bytes but was "
                + secret.length
                + " bytes");
      }
      keys.put(keyId, new KeyEntry(secret.clone(), acceptUntil));
    }

    /**
     * How long a cursor stays valid after it was issued; unset (the default) means forever.
     *
     * @param ttl {@code >= 1s}
     * @return this builder
     * @throws IllegalArgumentException if shorter than a second (cursors record whole seconds)
     * @throws IllegalStateException if already set
     */
    public Builder ttl(Duration ttl) {
      Require.positive(ttl, "ttl");
      Require.notYetSet(this.ttl, "ttl");
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("ttl must be >= PT1S but was " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * The clock for issued-at stamps, expiry and key deadlines; default {@link
     * TimeSource#system()}.
     *
     * @param time the time source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource time) {
      Require.notNull(time, "timeSource");
      Require.notYetSet(this.time, "timeSource");
      this.time = time;
      return this;
    }

    /**
     * Registers a key value type the format does not know natively.
     *
     * @param type the type
     * @return this builder
     * @throws IllegalArgumentException if its class or id is already registered or is a natively
     *     supported class
     */
    public Builder customType(CustomKeyType<?> type) {
      Require.notNull(type, "customType");
      for (CustomKeyType<?> t : customByClass.values()) {
        if (t.id().equals(type.id())) {
          throw new IllegalArgumentException(
              "customType id must be unique but \"" + type.id() + "\" was given twice");
        }
      }
      if (NATIVE.contains(type.type())) {
        throw new IllegalArgumentException(
            "customType class must not be natively supported but was " + type.type().getName());
      }
      if (customByClass.containsKey(type.type())) {
        throw new IllegalArgumentException(
            "customType class must be unique but " + type.type().getName() + " was given twice");
      }
      customByClass.put(type.type(), type);
      return this;
    }

    /**
     * Builds the codec.
     *
     * @return the codec
     * @throws IllegalStateException if no signing key was set
     */
    public CursorCodec build() {
      if (signingKeyId == null) {
        throw new IllegalStateException("signingKey must be set");
      }
      return new CursorCodec(this);
    }
  }
}
