package dev.larder.jdbc;

import dev.larder.core.FailureClassifier;

/** The failure classifier used when none is configured. */
final class DefaultClassifier {
  private DefaultClassifier() {}

  static FailureClassifier get() {
    return FailureClassifier.unknown();
  }
}
