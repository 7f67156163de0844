package dev.larder.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Starts the shaded {@code -all} jar the way docs/benchmarks.md tells people to, in its own JVM
 * with only that jar on the class path, and runs one quick scenario: the in-process smoke test
 * cannot see a dependency the shaded jar lacks (a test-scoped commons-io once left the jar unable
 * to start the embedded PostgreSQL).
 */
class RunnableJarIT {

  @Test
  void shadedJarStartsItsServersAndRunsAQuickScenario() throws Exception {
    Path jar = shadedJar();
    Path out = Path.of("target", "runnable-jar-keyset.txt");
    // A temp dir of its own, so the embedded PostgreSQL is unpacked afresh as on a new machine
    // (the unpacking is what needs commons-io); plots stay under target.
    Path tmp = Path.of("target", "runnable-jar-tmp").toAbsolutePath();
    org.apache.commons.io.FileUtils.deleteDirectory(tmp.toFile());
    Files.createDirectories(tmp);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Djava.io.tmpdir=" + tmp,
                "-jar",
                jar.toString(),
                "--quick",
                "--only",
                "keyset",
                "--plots",
                "target/runnable-jar-plots")
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    boolean ended = p.waitFor(5, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    assertThat(ended).as("the jar ended within 5 min; its output ends:\n%s", tail).isTrue();
    assertThat(p.exitValue()).as("exit code; output ends:\n%s", tail).isZero();
    assertThat(lines)
        .as("a keyset JSON line; output ends:\n%s", tail)
        .anyMatch(l -> l.startsWith("{\"scenario\": \"keyset\""));
  }

  private static Path shadedJar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files
          .filter(f -> f.getFileName().toString().matches("larder-benchmarks-.*-all\\.jar"))
          .findFirst()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no target/larder-benchmarks-*-all.jar: "
                          + "the shade plugin runs in package, before this IT"));
    }
  }
}
