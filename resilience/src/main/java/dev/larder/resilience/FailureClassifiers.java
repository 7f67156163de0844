package dev.larder.resilience;

import dev.larder.core.ClassifiedFailure;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/**
 * Ready-made {@link FailureClassifier}s.
 *
 * <ul>
 *   <li>{@link #sqlState()}: JDBC by SQLSTATE ({@link SqlStateClassifier});
 *   <li>{@link #redis()}: Redisson ({@link RedisFailureClassifier}); needs Redisson;
 *   <li>{@link #network()}: {@code java.net} connect failures transient, socket timeouts unknown;
 *   <li>{@link #declared()}: a {@link ClassifiedFailure} states its own class;
 *   <li>{@link #standard()}: all of the above that the class path allows, walking causes.
 * </ul>
 *
 * <p>MongoDB's classifier (error labels) lives in larder-mongo, on the same SPI.
 */
public final class FailureClassifiers {
  private static final boolean REDISSON_PRESENT = isPresent("org.redisson.client.RedisException");
  private static final FailureClassifier NETWORK = FailureClassifiers::classifyNetwork;
  private static final FailureClassifier DECLARED =
      failure -> failure instanceof ClassifiedFailure c ? c.failureClass() : FailureClass.UNKNOWN;
  private static final FailureClassifier STANDARD = build();

  private FailureClassifiers() {}

  /**
   * SQLSTATE classification of one {@code SQLException} and its next-exception chain.
   *
   * @return {@link SqlStateClassifier#instance()}
   */
  public static FailureClassifier sqlState() {
    return SqlStateClassifier.instance();
  }

  /**
   * Redisson classification.
   *
   * @return {@link RedisFailureClassifier#instance()}
   * @throws IllegalStateException if Redisson is not on the class path
   */
  public static FailureClassifier redis() {
    if (!REDISSON_PRESENT) {
      throw new IllegalStateException(
          "redis classifier needs org.redisson:redisson on the class path");
    }
    return RedisFailureClassifier.instance();
  }

  /**
   * {@code java.net.ConnectException} (which Netty's connect timeout extends) and {@code
   * NoRouteToHostException} are transient (nothing was sent); anything else, {@code
   * SocketTimeoutException} included (a request may be in flight), is unknown.
   *
   * @return the network classifier
   */
  public static FailureClassifier network() {
    return NETWORK;
  }

  /**
   * A failure that implements {@link ClassifiedFailure} is what it says (larder-jdbc's {@code
   * PrimaryUnavailableException}: no connection was had, so nothing was sent, whatever the driver's
   * error says); anything else is unknown.
   *
   * @return the classifier of declared failures
   */
  public static FailureClassifier declared() {
    return DECLARED;
  }

  /**
   * {@code walkingCauses(declared().orElse(sqlState()).orElse(redis()).orElse(network()))}, without
   * {@code redis()} when Redisson is absent: the default of {@link RetryPolicy} and of the breaker
   * presets. A declared class wins over what the failure's causes say.
   *
   * @return the standard classifier
   */
  public static FailureClassifier standard() {
    return STANDARD;
  }

  private static FailureClassifier build() {
    FailureClassifier c = DECLARED.orElse(SqlStateClassifier.instance());
    if (REDISSON_PRESENT) {
      c = c.orElse(RedisFailureClassifier.instance());
    }
    return FailureClassifier.walkingCauses(c.orElse(NETWORK));
  }

  private static FailureClass classifyNetwork(Throwable failure) {
    if (failure instanceof ConnectException || failure instanceof NoRouteToHostException) {
      return FailureClass.TRANSIENT;
    }
    // SocketTimeoutException and the rest: a request may be in flight, so UNKNOWN.
    return FailureClass.UNKNOWN;
  }

  private static boolean isPresent(String className) {
    try {
      Class.forName(className, false, FailureClassifiers.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
