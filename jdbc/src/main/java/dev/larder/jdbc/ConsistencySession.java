package dev.larder.jdbc;

import dev.larder.core.internal.Require;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The read-your-writes state of one logical session (a user, a request chain): the latest position
 * it wrote, carried between requests and services as a header.
 *
 * <p>Create one per incoming request from the header the client sent back ({@link
 * #fromHeader(String)}, or {@link #fromHeader(String, ConsistencyTokenCodec)} where tokens are
 * signed so clients cannot forge them), pass it to {@link RoutingJdbi#read(ConsistencySession,
 * org.jdbi.v3.core.HandleCallback)} and {@link RoutingJdbi#write(ConsistencySession,
 * org.jdbi.v3.core.HandleCallback)}, and return {@link #toHeader()} with the response. Reads see
 * every write the session made, wherever they are served; a session that has not written reads with
 * the router's default intent. Thread-safe: concurrent writes keep the highest position.
 *
 * <pre>{@code
 * ConsistencySession session = ConsistencySession.fromHeader(request.getHeader("Larder-Consistency"));
 * db.write(session, h -> h.execute("UPDATE account SET name = ? WHERE id = ?", name, id));
 * Account a = db.read(session, h -> find(h, id));            // sees the update
 * response.setHeader("Larder-Consistency", session.toHeader());
 * }</pre>
 */
public final class ConsistencySession {
  /** A suggested HTTP header name for {@link #toHeader()}. */
  public static final String HEADER = "Larder-Consistency";

  private final AtomicReference<@Nullable ConsistencyToken> latest;

  private ConsistencySession(@Nullable ConsistencyToken token) {
    this.latest = new AtomicReference<>(token);
  }

  /**
   * A session that has written nothing yet.
   *
   * @return a new session
   */
  public static ConsistencySession create() {
    return new ConsistencySession(null);
  }

  /**
   * A session resumed from a header.
   *
   * @param header the value of {@link #toHeader()} sent back by a client, or null/blank if none
   * @return the session
   * @throws InvalidConsistencyTokenException if the header is present but malformed
   */
  public static ConsistencySession fromHeader(@Nullable String header) {
    return new ConsistencySession(
        header == null || header.isBlank() ? null : ConsistencyToken.parse(header));
  }

  /**
   * A session resumed from a signed header: the token must have been made by {@link
   * #toHeader(ConsistencyTokenCodec)} with keys the codec accepts.
   *
   * @param header the value of {@link #toHeader(ConsistencyTokenCodec)} sent back by a client, or
   *     null/blank if none
   * @param codec checks the signature
   * @return the session
   * @throws InvalidConsistencyTokenException if the header is present but unsigned, altered, signed
   *     with a key not accepted, expired or malformed
   */
  public static ConsistencySession fromHeader(
      @Nullable String header, ConsistencyTokenCodec codec) {
    Require.notNull(codec, "codec");
    return new ConsistencySession(header == null || header.isBlank() ? null : codec.parse(header));
  }

  /**
   * Records a write's position; the session keeps the later of it and what it had.
   *
   * @param token the write's position
   * @throws ForeignClusterTokenException if it belongs to another cluster than the session's
   */
  public void observe(ConsistencyToken token) {
    latest.accumulateAndGet(token, (old, now) -> old == null || now.isAtOrAfter(old) ? now : old);
  }

  /**
   * The latest position written.
   *
   * @return the token, or null if the session has written nothing
   */
  public @Nullable ConsistencyToken token() {
    return latest.get();
  }

  /**
   * The intent a read in this session needs.
   *
   * @param otherwise the intent when the session has written nothing
   * @return read-your-writes with the latest token, or {@code otherwise}
   */
  public ReadIntent readIntent(ReadIntent otherwise) {
    ConsistencyToken t = latest.get();
    return t == null ? otherwise : ReadIntent.readYourWrites(t);
  }

  /**
   * The header form of the latest position.
   *
   * @return the token's header form, or an empty string if the session has written nothing
   */
  public String toHeader() {
    ConsistencyToken t = latest.get();
    return t == null ? "" : t.toHeader();
  }

  /**
   * The signed header form of the latest position.
   *
   * @param codec signs it
   * @return the signed header, or an empty string if the session has written nothing
   */
  public String toHeader(ConsistencyTokenCodec codec) {
    Require.notNull(codec, "codec");
    ConsistencyToken t = latest.get();
    return t == null ? "" : codec.toHeader(t);
  }

  @Override
  public String toString() {
    return "ConsistencySession[" + toHeader() + "]";
  }
}
