package dev.larder.jdbc.internal;

import dev.larder.core.FailureClassifier;
import dev.larder.jdbc.NoEligibleReplicaException;
import dev.larder.jdbc.ReadIntent;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failover loop of both front doors: routes a read, runs an attempt on the chosen server,
 * and when the attempt fails on a replica in a way another server may not ({@link #isTransient}),
 * takes that replica out of rotation and routes again without it: another replica or the primary,
 * each server once at most. {@code RoutingJdbi} runs its whole read as the attempt; {@code
 * RoutingDataSource} only takes the connection ({@link Shape}).
 *
 * <p>The attempt's own checked exception type {@code X} passes through unchanged: no cast, no
 * wrapping. When the first failure must surface after a later one (no server left), it is rethrown
 * through a lambda over its {@code catch} parameter, which the compiler types precisely.
 *
 * <p>Thread-safe: each call keeps its state on its own stack.
 */
public final class Failover {
  private static final Logger LOG = LoggerFactory.getLogger("dev.larder.jdbc.ReplicaRouter");

  /**
   * One attempt of a read on a routed server.
   *
   * <p>Runs on the thread that called {@link Failover#read}, once per server tried.
   *
   * @param <T> the result type
   * @param <X> the checked exception the attempt may throw
   */
  @FunctionalInterface
  public interface Attempt<T, X extends Exception> {
    /**
     * Runs the attempt.
     *
     * @param route where it runs
     * @return the result
     * @throws X the attempt's failure
     */
    T run(Route route) throws X;
  }

  /**
   * How the front doors differ, each as documented for it.
   *
   * <p>An enum: immutable and thread-safe.
   */
  public enum Shape {
    /**
     * {@code RoutingJdbi}: the attempt is the whole read; the server is released when it ends; a
     * read on the primary may use the primary read pool; with no server left after a failure, the
     * first failure surfaces (the {@link NoEligibleReplicaException} suppressed in it).
     */
    WHOLE_READ,
    /**
     * {@code RoutingDataSource}: the attempt only takes a connection, which the caller releases
     * when it closes it (the server stays counted in flight on success); never the primary read
     * pool; with no server left after a failure, {@link NoEligibleReplicaException} surfaces (the
     * first failure suppressed in it).
     */
    CONNECTION
  }

  /** Chooses a server ({@link ReadRouter#route}). */
  @FunctionalInterface
  interface Routes {
    Route route(ReadIntent intent, Set<Target> excluded, boolean readSessions);
  }

  /** Takes a failed replica out of rotation ({@link HealthMonitor#markFailed}). */
  @FunctionalInterface
  interface Exclusions {
    void markFailed(Target target, Throwable failure);
  }

  /** Rethrows one failure with its own type. */
  @FunctionalInterface
  private interface Rethrow<X extends Exception> {
    void now() throws X;
  }

  private final Routes routes;
  private final Exclusions exclusions;
  private final FailureClassifier classifier;

  /**
   * Creates the loop.
   *
   * @param routes chooses servers
   * @param exclusions takes failed replicas out of rotation
   * @param classifier judges failures (causes are walked)
   */
  Failover(Routes routes, Exclusions exclusions, FailureClassifier classifier) {
    this.routes = routes;
    this.exclusions = exclusions;
    this.classifier = FailureClassifier.walkingCauses(classifier);
  }

  /**
   * Runs an attempt on a server chosen for the intent, moving to another server after a transient
   * failure on a replica.
   *
   * @param intent the read intent
   * @param shape which front door runs it
   * @param attempt the attempt
   * @param <T> the result type
   * @param <X> the attempt's checked exception
   * @return the attempt's result
   * @throws X the attempt's failure when it is not transient, happened on the primary, or no server
   *     is left (see {@link Shape})
   * @throws NoEligibleReplicaException when no server qualifies
   */
  public <T, X extends Exception> T read(ReadIntent intent, Shape shape, Attempt<T, X> attempt)
      throws X {
    boolean readSessions = shape == Shape.WHOLE_READ;
    Set<Target> excluded = new HashSet<>();
    @Nullable Exception first = null;
    @Nullable Rethrow<X> rethrowFirst = null;
    while (true) {
      Route route;
      try {
        route = routes.route(intent, excluded, readSessions);
      } catch (NoEligibleReplicaException e) {
        if (first == null || rethrowFirst == null) {
          throw e;
        }
        if (shape == Shape.CONNECTION) {
          e.addSuppressed(first);
          throw e;
        }
        first.addSuppressed(e);
        rethrowFirst.now();
        throw new AssertionError("unreachable", first);
      }
      Target target = route.target();
      boolean release = true;
      try {
        T result = attempt.run(route);
        release = shape == Shape.WHOLE_READ;
        return result;
      } catch (Exception e) {
        if (!isTransient(e) || target.isPrimary()) {
          if (first != null) {
            e.addSuppressed(first);
          }
          throw e;
        }
        LOG.debug("read on {} failed, trying another server: {}", target, e.toString());
        exclusions.markFailed(target, e);
        excluded.add(target);
        if (first == null) {
          first = e;
          rethrowFirst =
              () -> { // the catch parameter, so typed X or unchecked: no cast
                throw e;
              };
        }
      } finally {
        if (release) {
          target.release();
        }
      }
    }
  }

  /**
   * Whether a read that failed this way should move to another server: a connection that could not
   * be had, or a database failure the classifier allows repeating for idempotent work (reads are),
   * such as a connection lost mid-read. Failures without a {@link SQLException} in their chain (a
   * bug in the caller's mapping code) never move.
   *
   * @param failure the failure
   * @return whether moving the work elsewhere may help
   */
  boolean isTransient(Throwable failure) {
    boolean database = false;
    for (Throwable t : FailureClassifier.causalChain(failure)) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      database |= t instanceof SQLException;
    }
    return database && classifier.classify(failure).isRetryable(true);
  }
}
