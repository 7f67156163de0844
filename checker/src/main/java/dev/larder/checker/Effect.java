package dev.larder.checker;

/**
 * What a fault does to the system, in the terms the checks reason about. A check never asks which
 * fault ran, only which effects were active when: a new fault declares its effects and every check
 * treats it correctly.
 */
public enum Effect {
  /** Every cache instance's Redis calls fail or time out (Redis stopped, hung, restarting). */
  REDIS_UNREACHABLE_ALL,
  /** One instance cannot use Redis (its Redis breaker forced open); the others can. */
  REDIS_UNREACHABLE_INSTANCE,
  /** Every instance's pub/sub subscription is cut (messages published meanwhile are lost). */
  CHANNEL_CUT_ALL,
  /**
   * Redis's dataset goes back to an earlier state when the fault heals (restart from a snapshot).
   */
  REDIS_ROLLBACK,
  /** One instance's loader hangs or throws. */
  LOADER_INSTANCE,
  /** The PostgreSQL primary is unreachable: writes and loads fail, the outbox source reconnects. */
  PRIMARY_DOWN,
  /** The standby falls behind the primary (replay paused, WAL receiver cut). */
  REPLICA_BEHIND
}
