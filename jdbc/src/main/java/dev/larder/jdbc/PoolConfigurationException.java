package dev.larder.jdbc;

import dev.larder.core.LarderException;
import java.util.List;

/**
 * A pool's settings contradict what the database server reports about itself (for example a {@code
 * maxLifetime} longer than the server keeps idle sessions, or pools larger in total than {@code
 * max_connections}). Thrown by {@link ServerSettingsCheck} in strict mode.
 *
 * <p>Thread-safe once thrown: its state is fixed at construction (only what {@link Throwable}
 * itself allows, such as suppressed exceptions, is added later).
 */
public class PoolConfigurationException extends LarderException {
  private static final long serialVersionUID = 1L;

  /** What the check found. */
  private final transient List<ServerSettingsCheck.Finding> findings;

  /**
   * Creates the exception.
   *
   * @param findings the contradictions found, at least one
   */
  public PoolConfigurationException(List<ServerSettingsCheck.Finding> findings) {
    super("pool settings contradict the server: " + findings);
    this.findings = List.copyOf(findings);
  }

  /**
   * The contradictions found.
   *
   * @return one entry per contradiction
   */
  public List<ServerSettingsCheck.Finding> findings() {
    return findings;
  }
}
