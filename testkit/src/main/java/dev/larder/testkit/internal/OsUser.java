package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The OS identity server processes run as. PostgreSQL refuses to run as root, and CI runs as root,
 * so when the JVM is root the embedded tier drops to an unprivileged user with {@code setpriv}
 * (which execs, so the process id stays the server's own and SIGSTOP reaches it).
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
      return currentUid() == 0;
    } catch (TestServerException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * This JVM's effective uid: the owner of {@code /proc/self}, as files it creates get.
   *
   * @return the uid
   * @throws TestServerException if {@code /proc/self} cannot be read (not Linux)
   */
  public static int currentUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      throw new TestServerException(
          "cannot tell this JVM's uid from /proc/self ("
              + e
              + "); the embedded tier needs Linux (or use the docker tier: -Dlarder.test.services=docker)",
          e);
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
        throw new TestServerException(
            "PostgreSQL refuses to run as root, and "
                + Settings.POSTGRES_OS_USER_PROPERTY
                + " names '"
                + unprivileged
                + "', which is root too");
      }
      return new OsUser(unprivileged, uid, gid, true);
    } catch (TestServerException e) {
      throw new TestServerException(
          "The JVM runs as root and PostgreSQL refuses to, so the testkit runs it as '"
              + unprivileged
              + "' through setpriv (util-linux); that failed: "
              + e.getMessage()
              + ". Set "
              + Settings.POSTGRES_OS_USER_PROPERTY
              + " / "
              + Settings.POSTGRES_OS_USER_ENV
              + " to an existing unprivileged user, or install util-linux (both for the embedded tier only), or use the"
              + " docker tier (-Dlarder.test.services=docker).",
          e);
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
    List<String> wrapped =
        new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
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
   * Checks that this identity can reach a directory the JVM prepared for it: every directory from
   * {@code /} down to it must let this uid (or its primary group, since {@code setpriv} clears the
   * others) search it. No-op when not switching user.
   *
   * @param dir a directory under {@code java.io.tmpdir}
   * @throws TestServerException naming the first directory in the way and the remedy
   */
  public void requireCanEnter(Path dir) {
    if (!switchUser) {
      return;
    }
    Path blocked;
    try {
      blocked = firstBlocked(dir, uid, gid);
    } catch (IOException e) {
      throw new TestServerException(
          "cannot check that '" + name + "' can enter " + dir + ": " + e, e);
    }
    if (blocked != null) {
      throw new TestServerException(
          "embedded PostgreSQL runs as '"
              + name
              + "' (uid "
              + uid
              + ") because the JVM is"
              + " root and PostgreSQL refuses to run as root, but '"
              + name
              + "' cannot enter "
              + blocked
              + describe(blocked)
              + " on the way to "
              + dir
              + ". Point java.io.tmpdir at a directory every user can"
              + " enter (-Djava.io.tmpdir=/tmp), or set "
              + Settings.POSTGRES_OS_USER_PROPERTY
              + " / "
              + Settings.POSTGRES_OS_USER_ENV
              + " to a user who can enter it.");
    }
  }

  /**
   * The first directory on the way from {@code /} to {@code dir} (resolved) that a process with
   * this uid and gid and no other groups may not search, or {@code null} if there is none. Root's
   * own rights play no part: the question is about the unprivileged process.
   */
  static @Nullable Path firstBlocked(Path dir, int uid, int gid) throws IOException {
    List<Path> chain = new ArrayList<>();
    for (Path p = dir.toRealPath(); p != null; p = p.getParent()) {
      chain.add(0, p);
    }
    for (Path p : chain) {
      Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode");
      int mode = intAttribute(a, "mode");
      int searchBit =
          intAttribute(a, "uid") == uid ? 0100 : intAttribute(a, "gid") == gid ? 0010 : 0001;
      if ((mode & searchBit) == 0) {
        return p;
      }
    }
    return null;
  }

  /** The "unix" view always holds the attributes it was asked for. */
  private static int intAttribute(Map<String, Object> attributes, String name) {
    return (Integer) java.util.Objects.requireNonNull(attributes.get(name), name);
  }

  private static String describe(Path p) {
    try {
      Map<String, Object> a = Files.readAttributes(p, "unix:uid,gid,mode");
      return " (mode "
          + String.format("%03o", intAttribute(a, "mode") & 0777)
          + ", uid "
          + a.get("uid")
          + ", gid "
          + a.get("gid")
          + ")";
    } catch (IOException | RuntimeException e) {
      return "";
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
