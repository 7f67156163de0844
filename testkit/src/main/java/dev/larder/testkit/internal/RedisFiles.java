package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The Redis data directory of one server, in either tier: where {@code SAVE} writes {@code
 * dump.rdb} and where a starting server looks for it. The snapshot hook keeps the saved file under
 * another name, so that a plain restart never finds a {@code dump.rdb} and comes back empty, and
 * puts it back as {@code dump.rdb} only for a restart from the snapshot.
 */
public interface RedisFiles {

  /** The file Redis saves to and loads from (its default {@code dbfilename}). */
  String DUMP = "dump.rdb";

  /** Where the last snapshot is kept between {@code snapshot()} and a restart from it. */
  String SNAPSHOT = "larder-snapshot.rdb";

  /** Renames the freshly saved {@code dump.rdb} to the snapshot, replacing an older one. */
  void keepDumpAsSnapshot();

  /** Copies the snapshot to {@code dump.rdb}, for the next start to load. */
  void restoreSnapshotAsDump();

  /** Deletes {@code dump.rdb} if present, so the next plain start comes back empty. */
  void deleteDump();

  /**
   * A data directory on this machine (the embedded tier).
   *
   * @param dir the server's {@code --dir}
   * @return the files
   */
  static RedisFiles local(Path dir) {
    return new RedisFiles() {
      @Override
      public void keepDumpAsSnapshot() {
        io(
            () ->
                Files.move(
                    dir.resolve(DUMP),
                    dir.resolve(SNAPSHOT),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE),
            "keep " + DUMP + " as " + SNAPSHOT);
      }

      @Override
      public void restoreSnapshotAsDump() {
        io(
            () ->
                Files.copy(
                    dir.resolve(SNAPSHOT), dir.resolve(DUMP), StandardCopyOption.REPLACE_EXISTING),
            "copy " + SNAPSHOT + " to " + DUMP);
      }

      @Override
      public void deleteDump() {
        io(() -> Files.deleteIfExists(dir.resolve(DUMP)), "delete " + DUMP);
      }

      private void io(IoAction action, String what) {
        try {
          action.run();
        } catch (IOException e) {
          throw new TestServerException(
              "embedded Redis: cannot " + what + " in " + dir + ": " + e, e);
        }
      }
    };
  }

  /**
   * The data directory inside a running container (the docker tier), changed with {@code docker
   * exec}.
   *
   * @param container the container's lifecycle
   * @param dir the server's {@code --dir} inside the container
   * @return the files
   */
  static RedisFiles inContainer(ContainerLifecycle container, String dir) {
    return new RedisFiles() {
      @Override
      public void keepDumpAsSnapshot() {
        container.exec("mv", "-f", dir + "/" + DUMP, dir + "/" + SNAPSHOT);
      }

      @Override
      public void restoreSnapshotAsDump() {
        container.exec("cp", "-f", dir + "/" + SNAPSHOT, dir + "/" + DUMP);
      }

      @Override
      public void deleteDump() {
        container.exec("rm", "-f", dir + "/" + DUMP);
      }
    };
  }

  /** A file operation that may fail. */
  @FunctionalInterface
  interface IoAction {
    void run() throws IOException;
  }
}
