package dev.larder.testkit;

/**
 * A test server could not be started, stopped or queried. The message says which server, in which
 * tier, and why (for example that no Docker engine answered, or the last lines of the server's
 * log).
 */
public class TestServerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and why
   */
  public TestServerException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what failed and why
   * @param cause the underlying failure
   */
  public TestServerException(String message, Throwable cause) {
    super(message, cause);
  }
}
