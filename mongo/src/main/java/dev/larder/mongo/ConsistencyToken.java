package dev.larder.mongo;

import dev.larder.core.internal.Require;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.DecodedCursor;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.PageDirection;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.jspecify.annotations.Nullable;

/**
 * What a later read needs to see a write: the causally consistent session's operation time and
 * cluster time after the write, portable across requests and services as a header string.
 *
 * <p>A read carrying the token runs in a new causally consistent session advanced to these times,
 * so whichever member serves it (a secondary included) first waits until it has applied the write.
 * Where the deployment refuses sessions, {@link MongoRouter} hands out the {@linkplain
 * #primaryOnly() primary-only} token instead, and reads carrying it go to the primary.
 *
 * <p>Header form: {@code m1.} followed by base64url (no padding) of a small BSON document, or
 * {@code m1.primary}. The cluster time carries the server's signature on deployments with
 * authentication, so a forged one is refused by the server; a token whose operation time is later
 * than its cluster time is refused here; {@link MongoRouter} refuses a token whose times are ahead
 * of its clock by more than the allowed skew. For tokens that travel through clients, the signed
 * form ({@link #toHeader(CursorCodec)} / {@link #fromHeader(String, CursorCodec)}, {@code m2.})
 * adds larder-core's HMAC (the keyset cursors' mechanism, with its key rotation), so a client can
 * neither make one up nor move its times on any deployment. Instances are immutable and
 * thread-safe.
 */
public final class ConsistencyToken {

  /** The longest header {@link #fromHeader(String)} accepts, in characters. */
  public static final int MAX_HEADER_LENGTH = 1024;

  private static final String PREFIX = "m1.";
  private static final String SIGNED_PREFIX = "m2.";

  /** What signed tokens are bound to (part of every signature). */
  static final String SIGNED_BINDING = "larder-mongo:consistency-token:1";

  private static final String PRIMARY = PREFIX + "primary";
  private static final ConsistencyToken PRIMARY_ONLY = new ConsistencyToken(null, null);

  private final @Nullable BsonTimestamp operationTime;
  private final @Nullable BsonDocument clusterTime;

  private ConsistencyToken(
      @Nullable BsonTimestamp operationTime, @Nullable BsonDocument clusterTime) {
    this.operationTime = operationTime;
    this.clusterTime = clusterTime;
  }

  /**
   * A token from a session's times.
   *
   * @param operationTime the session's operation time
   * @param clusterTime the session's cluster time, a document with a {@code clusterTime} timestamp
   *     (and, on secured deployments, a {@code signature})
   * @return the token
   * @throws IllegalArgumentException if the cluster time has no {@code clusterTime} timestamp or is
   *     earlier than the operation time
   */
  public static ConsistencyToken of(BsonTimestamp operationTime, BsonDocument clusterTime) {
    Require.notNull(operationTime, "operationTime");
    Require.notNull(clusterTime, "clusterTime");
    BsonTimestamp ct = clusterTimestamp(clusterTime);
    if (ct == null) {
      throw new IllegalArgumentException(
          "clusterTime must hold a 'clusterTime' timestamp but had keys " + clusterTime.keySet());
    }
    if (ct.compareTo(operationTime) < 0) {
      throw new IllegalArgumentException(
          "clusterTime must not be earlier than operationTime " + operationTime + " but was " + ct);
    }
    return new ConsistencyToken(operationTime, clusterTime.clone());
  }

  /**
   * The token that routes reads to the primary, handed out where sessions are not available.
   *
   * @return the primary-only token
   */
  public static ConsistencyToken primaryOnly() {
    return PRIMARY_ONLY;
  }

  /**
   * Whether reads carrying this token go to the primary rather than wait on any member.
   *
   * @return {@code true} for the primary-only token
   */
  public boolean isPrimaryOnly() {
    return operationTime == null;
  }

  /**
   * The operation time of the write.
   *
   * @return the time, empty for the primary-only token
   */
  public Optional<BsonTimestamp> operationTime() {
    return Optional.ofNullable(operationTime);
  }

  /**
   * The cluster time after the write (a copy).
   *
   * @return the cluster time document, empty for the primary-only token
   */
  public Optional<BsonDocument> clusterTime() {
    return Optional.ofNullable(clusterTime).map(BsonDocument::clone);
  }

  /**
   * The later of two tokens, for a request that wrote more than once. Primary-only wins: if either
   * write could not be tracked, reads go to the primary.
   *
   * @param other another token
   * @return a token covering both writes
   */
  public ConsistencyToken merge(ConsistencyToken other) {
    Require.notNull(other, "other");
    if (isPrimaryOnly() || other.isPrimaryOnly()) {
      return PRIMARY_ONLY;
    }
    BsonTimestamp mine = known(operationTime);
    BsonTimestamp theirs = known(other.operationTime);
    BsonTimestamp op = mine.compareTo(theirs) >= 0 ? mine : theirs;
    BsonDocument ct =
        known(clusterTimestamp(clusterTime)).compareTo(known(clusterTimestamp(other.clusterTime)))
                >= 0
            ? clusterTime
            : other.clusterTime;
    return new ConsistencyToken(op, ct);
  }

  /**
   * The header form of this token.
   *
   * @return a string of URL- and header-safe characters
   */
  public String toHeader() {
    if (isPrimaryOnly()) {
      return PRIMARY;
    }
    BsonDocument doc = new BsonDocument("o", operationTime).append("c", clusterTime);
    RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
    byte[] bytes = new byte[raw.getByteBuffer().remaining()];
    raw.getByteBuffer().get(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Reads a token from its header form.
   *
   * @param header what {@link #toHeader()} produced
   * @return the token
   * @throws NullPointerException if {@code header} is null
   * @throws InvalidConsistencyTokenException if the header is too long, of an unknown version, not
   *     base64url, not a token document, or its operation time is later than its cluster time
   */
  public static ConsistencyToken fromHeader(String header) {
    Require.notNull(header, "header");
    if (header.length() > MAX_HEADER_LENGTH) {
      throw new InvalidConsistencyTokenException(
          "consistency token must be at most "
              + MAX_HEADER_LENGTH
              + " characters but was "
              + header.length());
    }
    if (header.equals(PRIMARY)) {
      return PRIMARY_ONLY;
    }
    if (!header.startsWith(PREFIX)) {
      throw new InvalidConsistencyTokenException(
          "consistency token must start with '" + PREFIX + "' (version 1)");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(header.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new InvalidConsistencyTokenException("consistency token is not base64url", e);
    }
    BsonDocument doc;
    try {
      doc = new RawBsonDocument(bytes).decode(new BsonDocumentCodec());
    } catch (RuntimeException e) {
      throw new InvalidConsistencyTokenException("consistency token is not a BSON document", e);
    }
    BsonValue op = doc.get("o");
    BsonValue ct = doc.get("c");
    if (doc.size() != 2 || op == null || !op.isTimestamp() || ct == null || !ct.isDocument()) {
      throw new InvalidConsistencyTokenException(
          "consistency token must hold an operation time and a cluster time");
    }
    try {
      return of(op.asTimestamp(), ct.asDocument());
    } catch (IllegalArgumentException e) {
      throw new InvalidConsistencyTokenException(
          "consistency token is inconsistent: " + e.getMessage(), e);
    }
  }

  /**
   * The later of the token's times, in epoch seconds (BSON timestamps hold unsigned seconds).
   *
   * @return 0 for the primary-only token
   */
  long latestSeconds() {
    if (isPrimaryOnly()) {
      return 0;
    }
    BsonTimestamp ct = clusterTimestamp(clusterTime);
    BsonTimestamp op = known(operationTime);
    BsonTimestamp later = ct != null && ct.compareTo(op) > 0 ? ct : op;
    return later.getValue() >>> 32;
  }

  /**
   * The signed header form: the {@link #toHeader()} form signed with a cursor codec's key.
   *
   * @param codec the keys (share your keyset cursor codec or use one of its own: tokens are bound
   *     to their purpose, so neither is ever accepted as the other)
   * @return {@code m2.} followed by the codec's base64url text
   */
  public String toHeader(CursorCodec codec) {
    Require.notNull(codec, "codec");
    return SIGNED_PREFIX + codec.encode(PageDirection.FORWARD, List.of(toHeader()), SIGNED_BINDING);
  }

  /**
   * Checks and reads a signed header.
   *
   * @param header what {@link #toHeader(CursorCodec)} produced
   * @param codec the keys it may have been signed with
   * @return the token
   * @throws NullPointerException if an argument is null
   * @throws InvalidConsistencyTokenException if the header is unsigned, too long, altered, signed
   *     with a key not accepted or retired, expired, or not a token
   */
  public static ConsistencyToken fromHeader(String header, CursorCodec codec) {
    Require.notNull(header, "header");
    Require.notNull(codec, "codec");
    if (header.length() > CursorCodec.MAX_CURSOR_LENGTH) {
      throw new InvalidConsistencyTokenException(
          "consistency token must be at most "
              + CursorCodec.MAX_CURSOR_LENGTH
              + " characters but was "
              + header.length());
    }
    if (!header.startsWith(SIGNED_PREFIX)) {
      throw new InvalidConsistencyTokenException(
          "consistency token is not signed: this service accepts only"
              + " signed tokens ('"
              + SIGNED_PREFIX
              + "...')");
    }
    DecodedCursor decoded;
    try {
      decoded = codec.decode(header.substring(SIGNED_PREFIX.length()), SIGNED_BINDING);
    } catch (InvalidCursorException e) {
      throw new InvalidConsistencyTokenException(
          "consistency token refused: " + e.reason().description().replace("cursor", "token"), e);
    }
    if (decoded.values().size() != 1 || !(decoded.values().get(0) instanceof String inner)) {
      throw new InvalidConsistencyTokenException(
          "consistency token refused: it is signed but holds no token");
    }
    return fromHeader(inner);
  }

  /** A token that is not primary-only was made by {@link #of}, which checked both times. */
  private static <T> T known(@Nullable T time) {
    return java.util.Objects.requireNonNull(time, "a token's time");
  }

  private static @Nullable BsonTimestamp clusterTimestamp(@Nullable BsonDocument clusterTime) {
    if (clusterTime == null) {
      return null;
    }
    BsonValue v = clusterTime.get("clusterTime");
    return v != null && v.isTimestamp() ? v.asTimestamp() : null;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ConsistencyToken other
        && Objects.equals(operationTime, other.operationTime)
        && Objects.equals(clusterTime, other.clusterTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(operationTime, clusterTime);
  }

  /** Shows the times, never the signature. */
  @Override
  public String toString() {
    return isPrimaryOnly()
        ? "ConsistencyToken[primary-only]"
        : "ConsistencyToken[operationTime="
            + operationTime
            + ", clusterTime="
            + clusterTimestamp(clusterTime)
            + "]";
  }
}
