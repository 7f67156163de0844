package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two OS users on one machine, one {@code java.io.tmpdir}: root's test JVM starts the embedded
 * servers first, then another user's does. Each test here runs {@link StartEmbeddedServersMain} in
 * fresh JVMs, as root and through {@code setpriv} as the testkit's unprivileged user (the one
 * embedded PostgreSQL drops to, {@code nobody} by default), against a private world-writable,
 * sticky directory standing in for {@code /tmp}. The other user cannot read root's Maven repository
 * ({@code /root} is {@code 0700}), so the test classpath is copied into that directory first,
 * world-readable.
 */
class PerUserDirectoriesIT {

  private static final Logger LOG = LoggerFactory.getLogger(PerUserDirectoriesIT.class);
  private static final long CHILD_TIMEOUT_SECONDS = 180;

  private static Path base;
  private static String classpath;
  private static String otherUser;
  private static int otherUid;
  private static int otherGid;

  private Path tmp;

  @BeforeAll
  static void copyClasspathWhereAnotherUserCanReadIt() throws IOException {
    assumeTrue(
        OsUser.jvmIsRoot(), "runs only as root: it needs a second OS user to switch to (setpriv)");
    assumeTrue(canRun(List.of("setpriv", "--version")), "setpriv (util-linux) is not installed");
    otherUser = Settings.fromSystem().postgresOsUser();
    assumeTrue(
        canRun(List.of("id", "-u", otherUser)),
        "no OS user '" + otherUser + "' to run the second JVM as");
    otherUid =
        Integer.parseInt(Commands.run(List.of("id", "-u", otherUser), Path.of("/"), 10).trim());
    otherGid =
        Integer.parseInt(Commands.run(List.of("id", "-g", otherUser), Path.of("/"), 10).trim());
    assumeTrue(otherUid != 0, "'" + otherUser + "' is root");
    Path javaHome = Path.of(System.getProperty("java.home"));
    assumeTrue(
        everyoneCanEnter(javaHome), "the JDK at " + javaHome + " is not readable by other users");

    base = Files.createTempDirectory("larder-two-users-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cp = Files.createDirectory(base.resolve("classpath"));
    List<String> entries = new ArrayList<>();
    int i = 0;
    long bytes = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path source = Path.of(entry);
      if (!Files.exists(source)) {
        continue;
      }
      Path target = cp.resolve((i++) + "-" + source.getFileName());
      bytes += copyReadable(source, target);
      entries.add(target.toString());
    }
    classpath = String.join(File.pathSeparator, entries);
    LOG.info(
        "copied the test classpath ({} entries, {} MB) to {} for '{}' to read",
        entries.size(),
        bytes >> 20,
        cp,
        otherUser);
  }

  @AfterAll
  static void deleteCopies() {
    if (base != null) {
      Commands.deleteQuietly(base);
    }
  }

  @BeforeEach
  void freshSharedTmp() throws IOException {
    tmp = Files.createTempDirectory(base, "tmp-");
    // what /tmp is: everyone may create entries, only their owner may remove or rename them
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Commands.run(List.of("chmod", "+t", tmp.toString()), Path.of("/"), 10);
  }

  @Test
  void aSecondUserStartsTheEmbeddedServersAfterRootCreatedItsDirectories() throws Exception {
    Child root = runChild(false);
    assertThat(root.exitCode).as(root.output).isZero();
    assertThat(root.output).contains("STARTED");

    Child other = runChild(true);
    assertThat(other.exitCode).as(other.output).isZero();
    assertThat(other.output).contains("STARTED");

    assertThat(ownerOf(tmp.resolve("larder-testkit-0"))).isZero();
    assertThat(ownerOf(tmp.resolve("larder-testkit-" + otherUid))).isEqualTo(otherUid);
  }

  @Test
  void aDirectoryOfAnotherOwnerIsRefusedWithThePathAndTheRemedy() throws Exception {
    // someone else (here root) holds the name the other user's directory would have
    Path squatted = Files.createDirectory(tmp.resolve("larder-testkit-" + otherUid));

    Child other = runChild(true);

    assertThat(other.exitCode).as(other.output).isNotZero();
    assertThat(other.output)
        .contains("TestServerException")
        .contains(squatted.toString())
        .contains("belongs to uid 0")
        .contains("-Djava.io.tmpdir");
    assertThat(ownerOf(squatted)).as("left alone, not chmod-ed or chown-ed").isZero();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(squatted)))
        .isEqualTo("rwxr-xr-x");
  }

  private record Child(int exitCode, String output) {}

  @Test
  void rootIsToldWhenTheUnprivilegedUserCannotEnterItsTmpdir() throws Exception {
    Path rootOnly =
        Files.createDirectory(
            tmp.resolve("root-only"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

    Child root = runChild(false, rootOnly);

    assertThat(root.exitCode).as(root.output).isNotZero();
    assertThat(root.output)
        .contains("embedded PostgreSQL runs as '" + otherUser + "'")
        .contains(
            "cannot enter "
                + rootOnly
                + " (mode 700, uid 0, gid 0) on the way to "
                + rootOnly
                + "/larder-testkit-0/postgres-")
        .contains("-Djava.io.tmpdir=/tmp");
  }

  private Child runChild(boolean asOtherUser) throws IOException, InterruptedException {
    return runChild(asOtherUser, tmp);
  }

  private Child runChild(boolean asOtherUser, Path javaIoTmpdir)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (asOtherUser) {
      cmd.addAll(
          List.of("setpriv", "--reuid=" + otherUid, "--regid=" + otherGid, "--clear-groups"));
    }
    cmd.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-Djava.io.tmpdir=" + javaIoTmpdir,
            "-Dlarder.test.services=embedded",
            "-cp",
            classpath,
            StartEmbeddedServersMain.class.getName()));
    Path log = Files.createTempFile(base, "child-", ".log");
    Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
    Process p =
        new ProcessBuilder(cmd)
            .directory(tmp.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    p.getOutputStream().close();
    if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    int exit = p.isAlive() ? -1 : p.exitValue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    LOG.info(
        "JVM as {} exited with {}:\n{}", asOtherUser ? otherUser : "root", exit, output.strip());
    return new Child(exit, output);
  }

  private static long copyReadable(Path source, Path target) throws IOException {
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
          Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
          bytes += Files.size(t);
        }
      }
    }
    return bytes;
  }

  private static boolean everyoneCanEnter(Path path) throws IOException {
    for (Path p = path.toRealPath(); p != null; p = p.getParent()) {
      if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
        return false;
      }
    }
    return true;
  }

  private static int ownerOf(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }

  private static boolean canRun(List<String> command) {
    try {
      Commands.run(command, Path.of("/"), 10);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
