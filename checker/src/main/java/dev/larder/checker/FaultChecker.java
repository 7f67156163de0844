package dev.larder.checker;

import dev.larder.checker.internal.CheckerRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the fault checker: one seeded run of the workload against the testkit's servers while the
 * nemesis injects faults, then the seven checks over the history.
 *
 * <pre>{@code
 * CheckerReport report = FaultChecker.run(CheckerConfig.fromSystemProperties());
 * System.out.println(report.table());
 * }</pre>
 *
 * <p>Outside JUnit: {@code java -cp ... dev.larder.checker.FaultChecker} (same system properties),
 * exit code 0 when every check held, 1 when one failed, 2 when the run itself could not be done.
 * Servers come from the testkit ({@code larder.test.services} picks the tier).
 */
public final class FaultChecker {

  /** Where histories of failed runs and the log go, relative to the working directory. */
  public static final String OUTPUT_DIR_PROPERTY = CheckerConfig.PREFIX + "out";

  private FaultChecker() {}

  /**
   * Runs the workload, the nemesis and the checks. On failure the whole history is written to
   * {@code <out>/<seed>.jsonl} (default {@code target/checker}).
   *
   * @param config what to run
   * @return the report
   * @throws Exception if the servers or the workload could not be set up, or a fault could not be
   *     healed (then nothing can be concluded)
   */
  public static CheckerReport run(CheckerConfig config) throws Exception {
    return new CheckerRun(config, outputDir()).run();
  }

  /**
   * The directory for histories ({@code larder.checker.out}, default {@code target/checker}).
   *
   * @return the directory
   */
  public static Path outputDir() {
    return Path.of(System.getProperty(OUTPUT_DIR_PROPERTY, "target/checker"));
  }

  /**
   * Runs one checker run with the {@code larder.checker.*} system properties and prints the table,
   * the JSON line and, on failure, the offending operations.
   *
   * @param args none
   * @throws IOException if the output directory cannot be created
   */
  public static void main(String[] args) throws IOException {
    // Before the first logger: slf4j-simple writes to target/checker.log and needs the directory.
    Files.createDirectories(Path.of("target"));
    PrintStream out = System.out;
    CheckerConfig config;
    try {
      config = CheckerConfig.fromSystemProperties();
    } catch (IllegalArgumentException e) {
      out.println("bad setting: " + e.getMessage());
      System.exit(2);
      return;
    }
    out.println(
        "larder fault checker: seed "
            + config.seed()
            + ", "
            + config.duration()
            + "; log in target/checker.log");
    try {
      CheckerReport report = run(config);
      out.print(report.table());
      out.println(report.jsonLine());
      out.print(report.failureText());
      System.exit(report.passed() ? 0 : 1);
    } catch (Exception e) {
      out.println("the run could not be done (seed " + config.seed() + "): " + e);
      System.exit(2);
    }
  }
}
