package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS identity server processes run as. PostgreSQL refuses to run as root, and CI runs as
 * root, so when the JVM is root the embedded tier drops to an unprivileged user with
 * {@code setpriv} (which execs, so the process id stays the server's own and SIGSTOP reaches it).
 */
public final class OsUser {

    private final String name;
    private final int uid;
    private final int gid;
    private final boolean switchUser;

    private OsUser(String name, int uid, int gid, boolean switchUser) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.switchUser = switchUser;
    }

    /**
     * Whether this JVM runs as root.
     *
     * @return {@code true} for uid 0
     */
    public static boolean jvmIsRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * The identity for PostgreSQL: the current user, or {@code unprivileged} when root.
     *
     * @param unprivileged user to switch to when the JVM is root
     * @return the identity
     * @throws TestServerException if the user does not exist or {@code setpriv} is missing
     */
    public static OsUser forPostgres(String unprivileged) {
        if (!jvmIsRoot()) {
            return new OsUser(System.getProperty("user.name", "?"), -1, -1, false);
        }
        Path root = Path.of("/");
        try {
            int uid = Integer.parseInt(Commands.run(List.of("id", "-u", unprivileged), root, 10).trim());
            int gid = Integer.parseInt(Commands.run(List.of("id", "-g", unprivileged), root, 10).trim());
            Commands.run(List.of("setpriv", "--version"), root, 10);
            if (uid == 0) {
                throw new TestServerException("PostgreSQL refuses to run as root, and " + Settings.POSTGRES_OS_USER_PROPERTY
                        + " names '" + unprivileged + "', which is root too");
            }
            return new OsUser(unprivileged, uid, gid, true);
        } catch (TestServerException e) {
            throw new TestServerException("The JVM runs as root and PostgreSQL refuses to, so the testkit runs it as '"
                    + unprivileged + "' through setpriv (util-linux); that failed: " + e.getMessage()
                    + ". Set " + Settings.POSTGRES_OS_USER_PROPERTY + " / " + Settings.POSTGRES_OS_USER_ENV
                    + " to an existing unprivileged user, or install util-linux.", e);
        }
    }

    /**
     * Prefixes a command so it runs as this identity.
     *
     * @param command the command
     * @return the command, wrapped in setpriv when switching user
     */
    public List<String> wrap(List<String> command) {
        if (!switchUser) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives a file or directory to this identity (no-op when not switching user).
     *
     * @param path the file
     * @throws IOException if ownership cannot be changed
     */
    public void own(Path path) throws IOException {
        if (switchUser) {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
        }
    }

    /**
     * The user name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Whether processes are switched to another user.
     *
     * @return {@code true} when the JVM is root
     */
    public boolean switchesUser() {
        return switchUser;
    }
}
