package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-JVM run directories ({@code <kind>-<jvm pid>-<random>} under this OS user's {@link
 * BinaryCache#root()}) holding data, logs and pid files of embedded servers. A JVM killed with
 * SIGKILL runs no shutdown hook, so each new JVM sweeps the directories of dead JVMs and kills the
 * servers their pid files name; it only ever sees its own user's directories.
 */
public final class RunDirs {

  private static final Logger LOG = LoggerFactory.getLogger(RunDirs.class);
  private static final Pattern RUN_DIR = Pattern.compile("^(?:redis|postgres)-(\\d+)-.*");

  private RunDirs() {}

  /**
   * Creates this JVM's run directory for one kind of server, world-traversable.
   *
   * @param kind {@code redis} or {@code postgres}
   * @return the new directory
   */
  public static Path create(String kind) {
    sweepLeftovers();
    try {
      Path dir =
          Files.createTempDirectory(
              BinaryCache.root(), kind + "-" + ProcessHandle.current().pid() + "-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      return dir;
    } catch (IOException e) {
      throw new TestServerException(
          "cannot create a run directory for embedded " + kind + ": " + e.getMessage(), e);
    }
  }

  /** Removes run directories of JVMs that no longer exist, killing servers they left running. */
  public static void sweepLeftovers() {
    Path root = BinaryCache.root();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        Matcher m = RUN_DIR.matcher(dir.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(dir)) {
          continue;
        }
        long owner = Long.parseLong(m.group(1));
        if (ProcessHandle.of(owner).isPresent()) {
          continue;
        }
        int killed = killServers(dir, root);
        Commands.deleteQuietly(dir);
        LOG.info(
            "larder-testkit: removed {} left by test JVM {} that died without cleaning up ({} server processes killed)",
            dir,
            owner,
            killed);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not sweep {}: {}", root, e.toString());
    }
  }

  private static int killServers(Path dir, Path root) throws IOException {
    int killed = 0;
    List<Path> pidFiles;
    try (Stream<Path> files = Files.list(dir)) {
      pidFiles = files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList();
    }
    for (Path pidFile : pidFiles) {
      Optional<ProcessHandle> handle;
      try {
        handle = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
      } catch (NumberFormatException e) {
        continue;
      }
      // Only our own binaries: the pid may have been reused by an unrelated process.
      if (handle.isPresent()
          && handle.get().info().command().map(c -> c.startsWith(root.toString())).orElse(false)) {
        handle.get().descendants().forEach(ProcessHandle::destroyForcibly);
        handle.get().destroyForcibly();
        killed++;
      }
    }
    return killed;
  }
}
