package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinaryCacheTest {

  @TempDir Path tmp;

  @Test
  void theEmbeddedTierRunsOnLinuxX8664Only() {
    assertThat(BinaryCache.platformProblem("Redis", "Linux", "amd64")).isNull();
    assertThat(BinaryCache.platformProblem("Redis", "Linux", "x86_64")).isNull();
    assertThat(BinaryCache.platformProblem("Redis", "Linux", "aarch64")).contains("Linux/aarch64");
    assertThat(BinaryCache.platformProblem("PostgreSQL", "Windows 11", "amd64"))
        .contains("Windows 11/amd64");
  }

  @Test
  void elsewhereTheMessageSaysWhatEachTierNeedsAndHowToChooseDocker() {
    assertThat(BinaryCache.platformProblem("PostgreSQL", "Mac OS X", "aarch64"))
        .startsWith("cannot start embedded PostgreSQL: the embedded tier needs Linux on x86-64")
        .contains("setpriv from util-linux")
        .contains("this JVM runs on Mac OS X/aarch64")
        .contains("The docker tier needs only a Docker engine")
        .contains("-Dlarder.test.services=docker or LARDER_TEST_SERVICES=docker");
  }

  @Test
  void theUsersDirectoryIsCreatedTraversableAndNamedByUid() throws IOException {
    int me = OsUser.currentUid();

    Path root = BinaryCache.userRoot(tmp, me);

    assertThat(root).isEqualTo(tmp.resolve("larder-testkit-" + me)).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root)))
        .isEqualTo("rwxr-xr-x");
    assertThat(BinaryCache.userRoot(tmp, me)).isEqualTo(root);
  }

  @Test
  void anOwnDirectoryWithOtherPermissionsIsMadeTraversable() throws IOException {
    int me = OsUser.currentUid();
    Path root =
        Files.createDirectory(
            tmp.resolve("larder-testkit-" + me),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

    BinaryCache.userRoot(tmp, me);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root)))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void aDirectoryOfAnotherUidIsRefusedAndLeftAlone() throws IOException {
    int me = OsUser.currentUid();
    int other = me + 1;
    Path theirs =
        Files.createDirectory(
            tmp.resolve("larder-testkit-" + other),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

    assertThatThrownBy(() -> BinaryCache.userRoot(tmp, other))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining(
            theirs + " belongs to uid " + me + ", not to this JVM's user (uid " + other + ")")
        .hasMessageContaining("rm -rf " + theirs)
        .hasMessageContaining("-Djava.io.tmpdir=");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(theirs)))
        .isEqualTo("rwx------");
  }

  @Test
  void aSymbolicLinkInPlaceOfTheDirectoryIsRefused() throws IOException {
    int me = OsUser.currentUid();
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(tmp.resolve("larder-testkit-" + me), elsewhere);

    assertThatThrownBy(() -> BinaryCache.userRoot(tmp, me))
        .isInstanceOf(TestServerException.class)
        .hasMessageContaining(link + " is not a directory");
  }
}
