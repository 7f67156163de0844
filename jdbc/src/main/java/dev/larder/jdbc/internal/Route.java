package dev.larder.jdbc.internal;

import javax.sql.DataSource;

/**
 * Where the router sent one read: the server (counted in flight until {@link Target#release()}),
 * how the read is kept read-only there, and the pool to take its connection from. An immutable
 * value: thread-safe.
 *
 * @param target the chosen server
 * @param mode how the read runs there
 * @param pool the pool to take the connection from: the primary read pool for {@link
 *     Mode#PRIMARY_READ_SESSION}, else the target's own
 */
public record Route(Target target, Mode mode, DataSource pool) {

  /**
   * How a routed read is kept read-only.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum Mode {
    /** On a standby, which refuses writes by itself. */
    REPLICA,
    /** On the primary, in auto-commit in a read-only session of the primary read pool. */
    PRIMARY_READ_SESSION,
    /** On the primary, in a {@code READ ONLY} transaction on the primary's own pool. */
    PRIMARY_READ_ONLY_TRANSACTION
  }

  /** {@return whether the read runs on the primary} */
  public boolean onPrimary() {
    return mode != Mode.REPLICA;
  }
}
