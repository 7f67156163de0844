package dev.larder.core.keyset;

import dev.larder.core.LarderException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A cursor that must not be honoured: malformed, tampered with, signed by a key no longer accepted,
 * issued for another query or sort, read the wrong way, or expired.
 *
 * <p>This is the client's error (HTTP 400), not the server's: map it to a bad request and ask the
 * client to start again from the first page. The message names the {@link Reason} only; it never
 * contains the cursor, its payload or any key.
 */
public final class InvalidCursorException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** Why a cursor was rejected. */
  public enum Reason {
    /** Not a cursor: not base64url without padding, truncated, too long, or inconsistent. */
    MALFORMED("the cursor is malformed"),
    /** A format version this release does not read (made by a newer release, or not ours). */
    UNSUPPORTED_VERSION("the cursor's format version is not supported"),
    /** Signed with a key id that is not configured (never was, or rotated out). */
    UNKNOWN_KEY("the cursor was signed with a key that is not accepted"),
    /** Signed with an old key whose acceptance window has ended. */
    KEY_RETIRED("the cursor was signed with a retired key"),
    /** The signature does not match: the cursor was altered. */
    BAD_SIGNATURE("the cursor's signature does not match"),
    /** Issued for another query, sort or filter. */
    WRONG_QUERY("the cursor belongs to another query, sort or filter"),
    /** A forward cursor given as a backward one, or the other way round. */
    WRONG_DIRECTION("the cursor was issued for the other page direction"),
    /** Older than the configured time to live. */
    EXPIRED("the cursor has expired");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /**
     * A fixed sentence describing the reason, safe to show to a client.
     *
     * @return the sentence
     */
    public String description() {
      return description;
    }
  }

  /** Why the cursor was refused. */
  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param reason why the cursor was rejected
   */
  public InvalidCursorException(Reason reason) {
    this(reason, null);
  }

  /**
   * Creates the exception with a cause, kept for diagnosis (its message must not hold secrets).
   *
   * @param reason why the cursor was rejected
   * @param cause the underlying failure, or null
   */
  public InvalidCursorException(Reason reason, @Nullable Throwable cause) {
    super(
        "invalid cursor ("
            + Objects.requireNonNull(reason, "reason must not be null")
            + "): "
            + reason.description(),
        cause);
    this.reason = reason;
  }

  /**
   * Why the cursor was rejected.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
