package dev.larder.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Judges a failure as {@link FailureClass#TRANSIENT transient}, {@link FailureClass#PERMANENT
 * permanent} or {@link FailureClass#UNKNOWN unknown}.
 *
 * <p>This is the SPI that larder-resilience (JDBC SQLSTATE, Redis), larder-mongo (error labels) and
 * callers implement. An implementation must be thread-safe, fast (it runs on every failure) and
 * must not throw: it returns {@link FailureClass#UNKNOWN} for anything it does not recognise, so
 * classifiers compose with {@link #orElse(FailureClassifier)}.
 *
 * <pre>{@code
 * FailureClassifier classifier = FailureClassifier.walkingCauses(
 *     sqlStateClassifier.orElse(redisClassifier));
 * }</pre>
 */
@FunctionalInterface
public interface FailureClassifier {

  /** How many causes {@link #walkingCauses(FailureClassifier)} follows before giving up. */
  int MAX_CAUSE_DEPTH = 16;

  /**
   * Classifies one failure. Implementations look at the failure itself only; wrap them with {@link
   * #walkingCauses(FailureClassifier)} to also look at its causes.
   *
   * @param failure the failure to judge
   * @return its class, {@link FailureClass#UNKNOWN} when not recognised; never {@code null}
   */
  FailureClass classify(Throwable failure);

  /**
   * Returns a classifier that asks this one first and {@code next} only when this one answers
   * {@link FailureClass#UNKNOWN}.
   *
   * @param next the classifier to ask second
   * @return the composed classifier
   * @throws NullPointerException if {@code next} is null
   */
  default FailureClassifier orElse(FailureClassifier next) {
    Objects.requireNonNull(next, "next classifier must not be null");
    return failure -> {
      FailureClass first = classify(failure);
      return first != FailureClass.UNKNOWN ? first : next.classify(failure);
    };
  }

  /**
   * A classifier that recognises nothing.
   *
   * @return a classifier answering {@link FailureClass#UNKNOWN} for every failure
   */
  static FailureClassifier unknown() {
    return failure -> FailureClass.UNKNOWN;
  }

  /**
   * Returns a classifier that asks {@code delegate} about the failure, then about its cause, and so
   * on down the chain (suppressed exceptions are not followed), and answers with the first class
   * that is not {@link FailureClass#UNKNOWN}. Drivers and frameworks wrap the informative exception
   * (JDBI wraps {@code SQLException}, Redisson wraps Netty's), so most classifiers are used this
   * way. Cycles are detected and the walk stops after {@value #MAX_CAUSE_DEPTH} causes.
   *
   * @param delegate the classifier applied to each link of the chain
   * @return the walking classifier
   * @throws NullPointerException if {@code delegate} is null
   */
  static FailureClassifier walkingCauses(FailureClassifier delegate) {
    Objects.requireNonNull(delegate, "delegate classifier must not be null");
    return failure -> {
      for (Throwable t : causalChain(failure)) {
        FailureClass c = delegate.classify(t);
        if (c != FailureClass.UNKNOWN) {
          return c;
        }
      }
      return FailureClass.UNKNOWN;
    };
  }

  /**
   * The failure followed by its causes, outermost first, without repeats and at most {@value
   * #MAX_CAUSE_DEPTH} + 1 long.
   *
   * @param failure the outermost failure
   * @return the chain, never empty
   */
  static List<Throwable> causalChain(Throwable failure) {
    Objects.requireNonNull(failure, "failure must not be null");
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure;
        t != null && chain.size() <= MAX_CAUSE_DEPTH && seen.add(t);
        t = t.getCause()) {
      chain.add(t);
    }
    return List.copyOf(chain);
  }
}
