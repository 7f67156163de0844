package dev.larder.jdbc;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a read needs from the server that serves it, chosen per call.
 *
 * <ul>
 *   <li>{@link #strong()}: the primary, always (the latest committed data);
 *   <li>{@link #readYourWrites(ConsistencyToken)}: any server that has replayed at least up to the
 *       token's position (a replica that has, else a short wait, else the primary);
 *   <li>{@link #boundedStaleness(Duration)}: a replica in rotation whose replay delay, as last
 *       measured plus the age of that measurement, is within the bound; the delay is measured
 *       against the primary's position, so such a read never sees data missing a write committed
 *       more than the bound plus one health-check interval (and two checks' duration) before it;
 *   <li>{@link #any()}: any replica in rotation (within the router's configured lag bounds).
 * </ul>
 *
 * <p>When no replica qualifies, the router's {@link ReplicaRouter.NoReplicaPolicy} decides: read
 * from the primary (the default) or fail with {@link NoEligibleReplicaException}. Instances are
 * immutable values.
 */
public final class ReadIntent {

  /**
   * The kinds of intent.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum Kind {
    /** Primary only. */
    STRONG,
    /** A server that has replayed past a token. */
    READ_YOUR_WRITES,
    /** A replica whose replay delay is within a bound. */
    BOUNDED_STALENESS,
    /** Any replica in rotation. */
    ANY
  }

  private static final ReadIntent STRONG = new ReadIntent(Kind.STRONG, null, null);
  private static final ReadIntent ANY = new ReadIntent(Kind.ANY, null, null);

  private final Kind kind;
  private final @Nullable ConsistencyToken token;
  private final @Nullable Duration maxStaleness;

  private ReadIntent(Kind kind, @Nullable ConsistencyToken token, @Nullable Duration maxStaleness) {
    this.kind = kind;
    this.token = token;
    this.maxStaleness = maxStaleness;
  }

  /**
   * Read from the primary.
   *
   * @return the strong intent
   */
  public static ReadIntent strong() {
    return STRONG;
  }

  /**
   * Read from any replica in rotation.
   *
   * @return the any-replica intent
   */
  public static ReadIntent any() {
    return ANY;
  }

  /**
   * Read from a server that has replayed at least up to {@code token}.
   *
   * @param token the position of an earlier write, as returned by a write
   * @return the intent
   * @throws NullPointerException if {@code token} is null
   */
  public static ReadIntent readYourWrites(ConsistencyToken token) {
    return new ReadIntent(Kind.READ_YOUR_WRITES, Require.notNull(token, "token"), null);
  }

  /**
   * Read from a replica at most {@code maxStaleness} behind the primary.
   *
   * @param maxStaleness the largest acceptable replay delay
   * @return the intent
   * @throws IllegalArgumentException if {@code maxStaleness} is negative
   */
  public static ReadIntent boundedStaleness(Duration maxStaleness) {
    return new ReadIntent(
        Kind.BOUNDED_STALENESS, null, Require.nonNegative(maxStaleness, "maxStaleness"));
  }

  /**
   * This intent's kind.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * The token of a {@link Kind#READ_YOUR_WRITES} intent.
   *
   * @return the token, or {@code null} for other kinds
   */
  public @Nullable ConsistencyToken token() {
    return token;
  }

  /**
   * The bound of a {@link Kind#BOUNDED_STALENESS} intent.
   *
   * @return the bound, or {@code null} for other kinds
   */
  public @Nullable Duration maxStaleness() {
    return maxStaleness;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadIntent r
        && r.kind == kind
        && Objects.equals(r.token, token)
        && Objects.equals(r.maxStaleness, maxStaleness);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, token, maxStaleness);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case READ_YOUR_WRITES -> "READ_YOUR_WRITES(" + token + ")";
      case BOUNDED_STALENESS -> "BOUNDED_STALENESS(" + maxStaleness + ")";
      default -> kind.name();
    };
  }
}
