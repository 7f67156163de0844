package dev.larder.jdbc;

import dev.larder.jdbc.internal.Lsn;
import java.util.Objects;

/**
 * A position in one PostgreSQL cluster's history: the primary's WAL position (LSN) right after a
 * write committed, with the cluster's system identifier ({@code pg_control_system()}) and the
 * timeline it was taken on.
 *
 * <p>A read carrying a token ({@link ReadIntent#readYourWrites(ConsistencyToken)}) is served only
 * by a server that has replayed at least up to that position, so it sees the write. Tokens are
 * values: immutable, comparable within a cluster, and portable between processes as a header string
 * ({@link #toHeader()} / {@link #parse(String)}), so read-your-writes survives a hop between
 * services. The system identifier lets a router reject a token minted by another cluster instead of
 * comparing unrelated positions.
 *
 * <p>The header format is {@code pg1:<system identifier>:<timeline>:<LSN>}, for example {@code
 * pg1:7432101234567890123:1:0/3000148}; the {@code pg1} prefix versions it.
 */
public final class ConsistencyToken {
  private static final String PREFIX = "pg1";
  private static final int MAX_HEADER_LENGTH = 64;

  private final long systemIdentifier;
  private final int timeline;
  private final long lsn;

  private ConsistencyToken(long systemIdentifier, int timeline, long lsn) {
    this.systemIdentifier = systemIdentifier;
    this.timeline = timeline;
    this.lsn = lsn;
  }

  /**
   * Creates a token.
   *
   * @param systemIdentifier the cluster's {@code pg_control_system().system_identifier}
   * @param timeline the timeline the position was taken on (at least 1)
   * @param lsn the WAL position as PostgreSQL prints it ({@code "0/3000148"})
   * @return the token
   * @throws IllegalArgumentException if the timeline is below 1 or the LSN is malformed
   */
  public static ConsistencyToken of(long systemIdentifier, int timeline, String lsn) {
    Objects.requireNonNull(lsn, "lsn must not be null");
    if (timeline < 1) {
      throw new IllegalArgumentException("timeline must be >= 1 but was " + timeline);
    }
    return new ConsistencyToken(systemIdentifier, timeline, Lsn.parse(lsn));
  }

  /**
   * Reads a token from its header form.
   *
   * @param header text made by {@link #toHeader()}
   * @return the token
   * @throws InvalidConsistencyTokenException if the text is not a token (the message quotes at most
   *     the first 64 characters)
   */
  public static ConsistencyToken parse(String header) {
    Objects.requireNonNull(header, "header must not be null");
    String shown =
        header.length() > MAX_HEADER_LENGTH ? header.substring(0, MAX_HEADER_LENGTH) + "…" : header;
    if (header.length() > MAX_HEADER_LENGTH) {
      throw new InvalidConsistencyTokenException("consistency token is too long: '" + shown + "'");
    }
    String[] parts = header.trim().split(":", -1);
    if (parts.length != 4 || !PREFIX.equals(parts[0])) {
      throw new InvalidConsistencyTokenException(
          "consistency token must look like 'pg1:<system id>:<timeline>:<lsn>' but was '"
              + shown
              + "'");
    }
    try {
      long system = Long.parseUnsignedLong(parts[1]);
      int timeline = Integer.parseInt(parts[2]);
      return of(system, timeline, parts[3]);
    } catch (IllegalArgumentException e) {
      throw new InvalidConsistencyTokenException(
          "consistency token must look like 'pg1:<system id>:<timeline>:<lsn>' but was '"
              + shown
              + "'",
          e);
    }
  }

  /**
   * The header form, readable by {@link #parse(String)} in any process.
   *
   * @return for example {@code pg1:7432101234567890123:1:0/3000148}
   */
  public String toHeader() {
    return PREFIX
        + ":"
        + Long.toUnsignedString(systemIdentifier)
        + ":"
        + timeline
        + ":"
        + Lsn.format(lsn);
  }

  /**
   * The cluster this token belongs to.
   *
   * @return {@code pg_control_system().system_identifier} of the primary that minted it
   */
  public long systemIdentifier() {
    return systemIdentifier;
  }

  /**
   * The timeline the position was taken on; it changes when a standby is promoted.
   *
   * @return the timeline id
   */
  public int timeline() {
    return timeline;
  }

  /**
   * The WAL position as PostgreSQL prints it.
   *
   * @return for example {@code "0/3000148"}
   */
  public String lsn() {
    return Lsn.format(lsn);
  }

  /**
   * The WAL position as an unsigned 64-bit number.
   *
   * @return the position
   */
  public long lsnValue() {
    return lsn;
  }

  /**
   * Whether this token is at or after {@code other} in the same cluster.
   *
   * @param other another token of the same cluster
   * @return {@code true} if this position is not before the other's
   * @throws ForeignClusterTokenException if the tokens come from different clusters
   */
  public boolean isAtOrAfter(ConsistencyToken other) {
    if (other.systemIdentifier != systemIdentifier) {
      throw new ForeignClusterTokenException(other.systemIdentifier, systemIdentifier);
    }
    return Lsn.reached(lsn, other.lsn);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConsistencyToken t
        && t.systemIdentifier == systemIdentifier
        && t.timeline == timeline
        && t.lsn == lsn;
  }

  @Override
  public int hashCode() {
    return Objects.hash(systemIdentifier, timeline, lsn);
  }

  @Override
  public String toString() {
    return toHeader();
  }
}
