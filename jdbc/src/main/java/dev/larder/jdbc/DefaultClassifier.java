package dev.larder.jdbc;

import dev.larder.core.FailureClassifier;
import dev.larder.resilience.FailureClassifiers;

/** The failure classifier used when none is configured: larder-resilience's standard one. */
final class DefaultClassifier {
  private DefaultClassifier() {}

  static FailureClassifier get() {
    return FailureClassifiers.standard();
  }
}
