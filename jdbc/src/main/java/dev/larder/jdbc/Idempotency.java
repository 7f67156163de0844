package dev.larder.jdbc;

/**
 * Whether work on the primary is safe to run twice, which decides what a retry policy repeats
 * ({@link RoutingJdbi#write(Idempotency, org.jdbi.v3.core.HandleCallback)}, {@link
 * RoutingJdbi#inTransaction(Idempotency, org.jdbi.v3.core.HandleCallback)}). A failure known not to
 * have taken effect (transient: no connection was had, the server rolled the transaction back) is
 * repeated either way; one whose outcome is unknown (a connection lost mid-statement or during the
 * commit) only for {@link #IDEMPOTENT} work; a permanent one never. An enum: immutable and
 * thread-safe.
 */
public enum Idempotency {
  /** Running the work twice is harmless: also repeated after failures of unknown outcome. */
  IDEMPOTENT,
  /** Running the work twice may do it twice: repeated only after transient failures. */
  NOT_IDEMPOTENT;

  /** {@return whether this is {@link #IDEMPOTENT}} */
  public boolean isIdempotent() {
    return this == IDEMPOTENT;
  }

  /**
   * The value for a boolean flag.
   *
   * @param idempotent whether running the work twice is harmless
   * @return {@link #IDEMPOTENT} or {@link #NOT_IDEMPOTENT}
   */
  public static Idempotency of(boolean idempotent) {
    return idempotent ? IDEMPOTENT : NOT_IDEMPOTENT;
  }
}
