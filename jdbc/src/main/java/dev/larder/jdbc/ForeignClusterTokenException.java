package dev.larder.jdbc;

import dev.larder.core.LarderException;

/**
 * A consistency token was minted by another PostgreSQL cluster (its system identifier differs), so
 * its WAL position means nothing here. Usually a token forwarded between environments, or a cluster
 * rebuilt from scratch; drop the token or read with {@link ReadIntent#strong()}.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class ForeignClusterTokenException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** The system identifier of the cluster that issued the token. */
  private final long tokenSystemIdentifier;

  /** The system identifier of the cluster the router serves. */
  private final long clusterSystemIdentifier;

  /**
   * Creates the exception.
   *
   * @param tokenSystemIdentifier the identifier in the token
   * @param clusterSystemIdentifier the identifier of the cluster asked to honour it
   */
  public ForeignClusterTokenException(long tokenSystemIdentifier, long clusterSystemIdentifier) {
    super(
        "consistency token is from another cluster: token system identifier "
            + Long.toUnsignedString(tokenSystemIdentifier)
            + " but this cluster is "
            + Long.toUnsignedString(clusterSystemIdentifier));
    this.tokenSystemIdentifier = tokenSystemIdentifier;
    this.clusterSystemIdentifier = clusterSystemIdentifier;
  }

  /**
   * The system identifier carried by the rejected token.
   *
   * @return the token's cluster
   */
  public long tokenSystemIdentifier() {
    return tokenSystemIdentifier;
  }

  /**
   * The system identifier of the cluster that rejected it.
   *
   * @return this cluster
   */
  public long clusterSystemIdentifier() {
    return clusterSystemIdentifier;
  }
}
