package dev.larder.checker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The checker's short profile in CI: 60 s of workload on the tier the build runs in, with a random
 * seed that is printed first (or {@code -Dlarder.checker.seed=...}). A failure prints the seed, the
 * replay command and the offending operations.
 */
class FaultCheckerIT {

  /**
   * Faults under which today's code is known to break a check (issue 15), left out of the default
   * set so that CI stays green while the fixes land: each fix deletes its line, and from then on
   * CI checks that fault too. Naming faults explicitly ({@code larder.checker.faults} or
   * {@code exclude}) bypasses this list. Seeds and figures: checker/README.md, "Today's code".
   */
  static final Map<String, String> KNOWN_FAILING = new LinkedHashMap<>();

  static {
    KNOWN_FAILING.put("redis-stop", "check 1: after Redis comes back, a put on an instance whose breaker is still open "
        + "returns normally with L2 untouched (defect 1); seen in long runs, rare in short ones");
    KNOWN_FAILING.put("redis-pause", "check 1: writes return normally while Redis hangs and their fence is lost (defects 1, 2)");
    KNOWN_FAILING.put("redis-snapshot-restart", "checks 1, 7: invalidated values come back with the snapshot (defect 6)");
    KNOWN_FAILING.put("breaker-open", "check 1: invalidations of an instance whose Redis breaker is open are dropped (defects 1, 2)");
    KNOWN_FAILING.put("loader-hang", "check 5: other instances wait lockWait on the hung loader's lease (defect 4)");
    KNOWN_FAILING.put("pg-primary-stop", "check 5: callers wait on other instances' lease and join timeouts (defect 4)");
  }

  @Test
  void documentedGuaranteesHoldUnderRandomFaults() throws Exception {
    CheckerConfig config = CheckerConfig.fromSystemProperties();
    boolean chosen = present(CheckerConfig.PREFIX + "faults") || present(CheckerConfig.PREFIX + "exclude");
    if (!chosen) {
      Set<String> faults = new LinkedHashSet<>(config.faults());
      faults.removeAll(KNOWN_FAILING.keySet());
      config = config.toBuilder().faults(faults.toArray(String[]::new)).build();
      KNOWN_FAILING.forEach((fault, why) -> System.out.println("larder fault checker: left out " + fault + " until fixed: " + why));
    }
    System.out.println("larder fault checker: seed " + config.seed() + ", " + config.duration()
        + " of workload, faults " + Faults.ordered(config.faults()) + " (log: checker/target/checker.log)");
    CheckerReport report = FaultChecker.run(config);
    System.out.print(report.table());
    System.out.println(report.jsonLine());
    assertThat(report.passed()).withFailMessage(report::failureText).isTrue();
  }

  private static boolean present(String property) {
    String v = System.getProperty(property);
    return v != null && !v.isBlank();
  }
}
