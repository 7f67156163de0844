package dev.larder.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Prints the scenario: step headers, evidence lines, progress of long waits, the summary table. */
final class Console {
  private static final long PROGRESS_EVERY_NANOS = Duration.ofMillis(500).toNanos();
  private final PrintStream out;

  Console(PrintStream out) {
    this.out = out;
  }

  void line(String text) {
    out.println(text);
    out.flush();
  }

  void step(int number, String title, String wiring) {
    line("");
    line(String.format(Locale.ROOT, "[%d] %s  (%s)", number, title, wiring));
  }

  void detail(String text) {
    line("    " + text);
  }

  /**
   * Polls {@code condition} every 10 ms until it holds, printing a progress line every half second;
   * returns how long it took.
   */
  Duration await(String what, Duration timeout, BooleanSupplier condition)
      throws TimeoutException, InterruptedException {
    long start = System.nanoTime();
    long nextProgress = start + PROGRESS_EVERY_NANOS;
    while (!condition.getAsBoolean()) {
      long now = System.nanoTime();
      if (now - start > timeout.toNanos()) {
        throw new TimeoutException(what + ": not within " + seconds(timeout));
      }
      if (now >= nextProgress) {
        detail("... " + what + " (" + seconds(Duration.ofNanos(now - start)) + ")");
        nextProgress += PROGRESS_EVERY_NANOS;
      }
      Thread.sleep(10);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  void summary(List<StepResult> results, Duration total) {
    line("");
    line("Summary");
    String format = "%-3s %-50s %-25s %-5s %7s  %s";
    line(String.format(Locale.ROOT, format, "#", "step", "wiring", "held", "time", "evidence"));
    for (StepResult r : results) {
      line(
          String.format(
              Locale.ROOT,
              format,
              r.number(),
              r.title(),
              r.wiring(),
              r.held() ? "yes" : "NO",
              seconds(r.took()),
              r.evidence()));
    }
    long held = results.stream().filter(StepResult::held).count();
    line(
        String.format(
            Locale.ROOT,
            "%d of %d steps held; scenario ran %s.",
            held,
            results.size(),
            seconds(total)));
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String millis(Duration d) {
    return d.toMillis() + " ms";
  }
}
