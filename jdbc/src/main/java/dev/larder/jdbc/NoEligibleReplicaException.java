package dev.larder.jdbc;

import dev.larder.core.LarderException;

/**
 * No replica could serve a read under its intent (all down, lagging, in the wrong role or behind
 * the requested position) and the router was configured not to fall back to the primary ({@link
 * ReplicaRouter.NoReplicaPolicy#FAIL}). The message lists each replica's state.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class NoEligibleReplicaException extends LarderException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the intent and each replica's state
   */
  public NoEligibleReplicaException(String message) {
    super(message);
  }
}
