package dev.larder.examples;

import dev.larder.core.FailureClass;
import dev.larder.core.KeyNamespace;

/**
 * The examples' entry point, run by the README's first command.
 *
 * <p>For now it shows the shared vocabulary every pattern builds on; each pattern's wiring joins
 * this program as it lands (see examples/README.md).
 */
public final class Main {
  private Main() {}

  /**
   * Runs the walkthrough and exits non-zero if any step's evidence does not hold.
   *
   * @param args ignored
   * @throws IllegalStateException if a step's evidence does not hold
   */
  public static void main(String[] args) {
    KeyNamespace catalog = KeyNamespace.of("catalog", 3);
    String key = catalog.qualify("product:42");
    boolean ok = key.equals("catalog:v3:product:42");
    System.out.println("Larder examples");
    System.out.println("  key namespace  catalog v3 qualifies product:42 as " + key);
    boolean rejected;
    try {
      catalog.qualify("bad\nkey");
      rejected = false;
    } catch (IllegalArgumentException e) {
      rejected = true;
      System.out.println("  bad key        rejected: " + e.getMessage());
    }
    System.out.println("  retry rule     TRANSIENT retried: " + FailureClass.TRANSIENT.isRetryable(false)
        + ", UNKNOWN retried when not idempotent: " + FailureClass.UNKNOWN.isRetryable(false));
    ok &= rejected;
    if (!ok) {
      throw new IllegalStateException("A step's evidence did not hold; see above.");
    }
    System.out.println("All steps held.");
  }
}
