package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import java.util.Locale;
import org.redisson.RedissonShutdownException;
import org.redisson.client.RedisAuthRequiredException;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisNoScriptException;
import org.redisson.client.RedisNodeNotFoundException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisReconnectedException;
import org.redisson.client.RedisRedirectException;
import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.RedisRetryException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.RedisWrongPasswordException;

/**
 * Classifies Redisson (4.x) failures. Needs Redisson on the class path: larder-resilience declares
 * it optional, so only applications that use Redisson have it; {@link
 * FailureClassifiers#standard()} includes this classifier only when Redisson is present.
 *
 * <table>
 *   <caption>Redisson exception classification</caption>
 *   <tr><th>Exception (org.redisson.client unless noted)</th><th>Class</th><th>Why</th></tr>
 *   <tr><td>RedisConnectionException, WriteRedisConnectionException</td><td>TRANSIENT</td><td>could not connect, or could not write the command: it was not executed</td></tr>
 *   <tr><td>RedisTimeoutException (not the response timeout)</td><td>TRANSIENT</td><td>"Unable to acquire connection" or "Command still hasn't been written into connection": never sent</td></tr>
 *   <tr><td>RedisResponseTimeoutException</td><td>UNKNOWN</td><td>sent, no reply within the timeout (a hung or paused server): it may have run, so only idempotent commands are repeated</td></tr>
 *   <tr><td>RedisRetryException and subtypes: RedisLoadingException, RedisBusyException, RedisTryAgainException, RedisClusterDownException, RedisMasterDownException, RedisNoReplicasException, RedisWaitException</td><td>TRANSIENT</td><td>the server refused the command for now (loading the dataset, busy script, resharding, failover)</td></tr>
 *   <tr><td>RedisRedirectException (MOVED, ASK), RedisNodeNotFoundException, RedisReadonlyException, RedisReconnectedException</td><td>TRANSIENT</td><td>topology changed (failover, resharding); the next attempt goes to the right node</td></tr>
 *   <tr><td>RedisOutOfMemoryException (OOM)</td><td>PERMANENT</td><td>maxmemory reached with a no-eviction policy: a retry within seconds adds load and fails the same</td></tr>
 *   <tr><td>RedisAuthRequiredException (NOAUTH), RedisWrongPasswordException (WRONGPASS)</td><td>PERMANENT</td><td>configuration, not luck</td></tr>
 *   <tr><td>RedisNoScriptException (NOSCRIPT)</td><td>PERMANENT</td><td>Redisson reloads scripts itself; if it surfaces, repeating will not help</td></tr>
 *   <tr><td>org.redisson.RedissonShutdownException</td><td>PERMANENT</td><td>the client was shut down</td></tr>
 *   <tr><td>RedisException whose message starts with WRONGTYPE, ERR, NOPERM, EXECABORT</td><td>PERMANENT</td><td>wrong key type, bad command or arguments, ACL denial, aborted transaction</td></tr>
 *   <tr><td>any other RedisException, anything else</td><td>UNKNOWN</td><td>nothing is known</td></tr>
 * </table>
 *
 * <p>Thread-safe and stateless.
 */
public final class RedisFailureClassifier implements FailureClassifier {
  private static final RedisFailureClassifier INSTANCE = new RedisFailureClassifier();

  private RedisFailureClassifier() {}

  /**
   * The classifier.
   *
   * @return the shared instance
   * @throws NoClassDefFoundError if Redisson is not on the class path
   */
  public static RedisFailureClassifier instance() {
    return INSTANCE;
  }

  @Override
  public FailureClass classify(Throwable failure) {
    if (!(failure instanceof RedisException)) {
      return FailureClass.UNKNOWN;
    }
    if (failure instanceof RedisResponseTimeoutException) {
      return FailureClass.UNKNOWN;
    }
    if (failure instanceof RedisTimeoutException
        || failure instanceof RedisConnectionException
        || failure instanceof RedisRetryException
        || failure instanceof RedisRedirectException
        || failure instanceof RedisNodeNotFoundException
        || failure instanceof RedisReadonlyException
        || failure instanceof RedisReconnectedException) {
      return FailureClass.TRANSIENT;
    }
    if (failure instanceof RedisOutOfMemoryException
        || failure instanceof RedisAuthRequiredException
        || failure instanceof RedisWrongPasswordException
        || failure instanceof RedisNoScriptException
        || failure instanceof RedissonShutdownException) {
      return FailureClass.PERMANENT;
    }
    String message = failure.getMessage();
    if (message != null) {
      String m = message.stripLeading().toUpperCase(Locale.ROOT);
      if (m.startsWith("WRONGTYPE")
          || m.startsWith("ERR")
          || m.startsWith("NOPERM")
          || m.startsWith("EXECABORT")) {
        return FailureClass.PERMANENT;
      }
    }
    return FailureClass.UNKNOWN;
  }

  @Override
  public String toString() {
    return "RedisFailureClassifier";
  }
}
