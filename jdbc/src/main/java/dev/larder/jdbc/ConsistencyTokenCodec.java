package dev.larder.jdbc;

import dev.larder.core.internal.Require;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.DecodedCursor;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.PageDirection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The signed header form of {@link ConsistencyToken}s, for tokens that travel through clients (an
 * HTTP header, a cookie): a client can carry a token back but cannot make one up or move its
 * position. Signing reuses larder-core's {@link CursorCodec}, the mechanism that signs keyset
 * cursors: HMAC-SHA256 (128-bit tag, compared in constant time), a format version byte, the signing
 * key's id in every token, key rotation with verification keys (and their deadlines), and an
 * optional time to live. Tokens are bound to their own purpose, so a keyset cursor signed with the
 * same keys is never accepted as a token, nor a token as a cursor. Immutable and thread-safe.
 *
 * <pre>{@code
 * CursorCodec keys = CursorCodec.builder().signingKey("2026-12", secret32Bytes).build();
 * ConsistencyTokenCodec tokens = ConsistencyTokenCodec.signedWith(keys);
 * ConsistencySession s = ConsistencySession.fromHeader(request.getHeader(ConsistencySession.HEADER), tokens);
 * db.write(s, h -> ...);
 * response.setHeader(ConsistencySession.HEADER, s.toHeader(tokens));
 * }</pre>
 *
 * <p>Header form: {@code pgs1.} followed by the codec's base64url text. A codec refuses the
 * unsigned {@code pg1:} form: where tokens are signed, an unsigned one is a forgery or a client of
 * another deployment. Signing is one of two defences: whatever the header, the router also refuses
 * a token ahead of the primary's current position ({@link InvalidConsistencyTokenException}), so an
 * unsigned token can cost at most one query on the primary, never a wait. A signed token is still a
 * bearer value: replaying an old one is possible and harmless (it asks for a position every replica
 * has long replayed). A codec with a {@linkplain CursorCodec.Builder#ttl ttl} refuses tokens older
 * than it; leave it unset, or set it well above your replicas' lag.
 */
public final class ConsistencyTokenCodec {
  /** What signed tokens are bound to (part of every signature). */
  static final String BINDING = "larder-jdbc:consistency-token:1";

  private static final String PREFIX = "pgs1.";

  /** Far above a signed token's length (about 90 characters with a short key id). */
  private static final int MAX_HEADER_LENGTH = 512;

  private final CursorCodec codec;

  private ConsistencyTokenCodec(CursorCodec codec) {
    this.codec = codec;
  }

  /**
   * A codec that signs and checks tokens with a cursor codec's keys. Use a codec (and keys) of its
   * own, or share your cursor codec: the binding keeps the two kinds apart either way.
   *
   * @param codec the keys, key rotation and ttl
   * @return the token codec
   * @throws NullPointerException if {@code codec} is null
   */
  public static ConsistencyTokenCodec signedWith(CursorCodec codec) {
    return new ConsistencyTokenCodec(Require.notNull(codec, "codec"));
  }

  /**
   * The signed header form of a token.
   *
   * @param token the token
   * @return {@code pgs1.} and the signed text, URL- and header-safe
   */
  public String toHeader(ConsistencyToken token) {
    Require.notNull(token, "token");
    return PREFIX
        + codec.encode(
            PageDirection.FORWARD,
            List.of(token.systemIdentifier(), token.timeline(), token.lsnValue()),
            BINDING);
  }

  /**
   * Checks and reads a signed header.
   *
   * @param header what {@link #toHeader} produced, as the client sent it back
   * @return the token
   * @throws NullPointerException if {@code header} is null
   * @throws InvalidConsistencyTokenException if the header is unsigned, too long, malformed,
   *     altered, signed with a key not accepted (or retired), or expired; the message names the
   *     reason, never the header
   */
  public ConsistencyToken parse(String header) {
    Require.notNull(header, "header");
    if (header.length() > MAX_HEADER_LENGTH) {
      throw new InvalidConsistencyTokenException(
          "consistency token is too long: "
              + header.length()
              + " characters, at most "
              + MAX_HEADER_LENGTH);
    }
    String text = header.trim();
    if (!text.startsWith(PREFIX)) {
      throw new InvalidConsistencyTokenException(
          "consistency token is not signed: this service accepts only"
              + " signed tokens ('"
              + PREFIX
              + "...')");
    }
    DecodedCursor decoded;
    try {
      decoded = codec.decode(text.substring(PREFIX.length()), BINDING);
    } catch (InvalidCursorException e) {
      throw new InvalidConsistencyTokenException(
          "consistency token refused: " + e.reason().description().replace("cursor", "token"), e);
    }
    List<@Nullable Object> values = decoded.values();
    if (values.size() != 3
        || !(values.get(0) instanceof Long system)
        || !(values.get(1) instanceof Integer timeline)
        || !(values.get(2) instanceof Long lsn)
        || timeline < 1) {
      // Only reachable with a validly signed payload of another shape: a bug or a leaked key.
      throw new InvalidConsistencyTokenException(
          "consistency token refused: it is signed but does not hold" + " a position");
    }
    return ConsistencyToken.of(system, timeline, dev.larder.jdbc.internal.Lsn.format(lsn));
  }

  /** Names the keys, never the secrets. */
  @Override
  public String toString() {
    return "ConsistencyTokenCodec{" + codec + "}";
  }
}
