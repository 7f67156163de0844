package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs short external commands (kill, cp, id, initdb) and tidies files. */
public final class Commands {

  private Commands() {}

  /**
   * Runs a command to completion.
   *
   * @param command the command and its arguments
   * @param workDir working directory
   * @param timeoutSeconds how long it may take
   * @return its combined output
   * @throws TestServerException if it cannot run, times out or exits non-zero (with the output)
   */
  public static String run(List<String> command, Path workDir, long timeoutSeconds) {
    try {
      Process p =
          new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out;
      try (var in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new TestServerException(
            "'" + String.join(" ", command) + "' did not finish in " + timeoutSeconds + " s");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new TestServerException(
            "'"
                + String.join(" ", command)
                + "' exited with "
                + p.exitValue()
                + ": "
                + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new TestServerException(
          "cannot run '" + String.join(" ", command) + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException(
          "interrupted while running '" + String.join(" ", command) + "'", e);
    }
  }

  /**
   * Sends a signal with {@code kill}; Java has no API for SIGSTOP or SIGCONT.
   *
   * @param signal signal name without SIG, e.g. {@code STOP}
   * @param pids processes to signal
   */
  public static void signal(String signal, List<Long> pids) {
    if (pids.isEmpty()) {
      return;
    }
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add("kill");
    cmd.add("-" + signal);
    pids.forEach(p -> cmd.add(Long.toString(p)));
    run(cmd, Path.of("/"), 10);
  }

  /**
   * The last lines of a log file, for error messages.
   *
   * @param log the file
   * @param lines how many
   * @return the lines, or a note that the log cannot be read
   */
  public static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(log " + log + " unreadable: " + e.getMessage() + ")";
    }
  }

  /**
   * Deletes a directory tree, ignoring failures (used at JVM exit).
   *
   * @param dir the tree
   */
  public static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // best effort at exit; a leftover temp directory is harmless
                }
              });
    } catch (IOException | RuntimeException ignored) {
      // best effort at exit
    }
  }
}
