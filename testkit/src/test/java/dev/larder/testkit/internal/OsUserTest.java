package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OsUserTest {

  /** A uid and gid that own nothing here (nobody's, on Debian). */
  private static final int STRANGER = 65534;

  @TempDir Path tmp;

  @BeforeEach
  void theStrangerCanReachTheTemporaryDirectory() throws IOException {
    assumeTrue(OsUser.currentUid() != STRANGER, "this JVM runs as uid " + STRANGER);
    assumeTrue(
        OsUser.firstBlocked(tmp.getParent(), STRANGER, STRANGER) == null,
        "uid " + STRANGER + " cannot reach " + tmp.getParent() + " at all");
  }

  @Test
  void aDirectoryClosedToOthersBlocksAStranger() throws IOException {
    Path closed = mkdir(tmp.resolve("closed"), "rwx------");
    Path inner = mkdir(closed.resolve("inner"), "rwxr-xr-x");
    openUpTo(tmp);

    assertThat(OsUser.firstBlocked(inner, STRANGER, STRANGER)).isEqualTo(closed.toRealPath());
  }

  @Test
  void searchPermissionForOthersOwnerOrGroupLetsThrough() throws IOException {
    Path dir = mkdir(tmp.resolve("d"), "rwx--x--x");
    openUpTo(tmp);
    int owner = (Integer) Files.getAttribute(dir, "unix:uid");
    int group = (Integer) Files.getAttribute(dir, "unix:gid");

    assertThat(OsUser.firstBlocked(dir, STRANGER, STRANGER)).isNull();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    assertThat(OsUser.firstBlocked(dir, owner, STRANGER)).isNull();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
    assertThat(OsUser.firstBlocked(dir, STRANGER, group)).isNull();
    assertThat(OsUser.firstBlocked(dir, STRANGER, STRANGER)).isEqualTo(dir.toRealPath());
  }

  private static Path mkdir(Path dir, String mode) throws IOException {
    Files.createDirectory(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
    return dir;
  }

  /**
   * JUnit makes its temporary directory rwx------; open it so that only what a test closes blocks.
   */
  private static void openUpTo(Path tmp) throws IOException {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
  }
}
