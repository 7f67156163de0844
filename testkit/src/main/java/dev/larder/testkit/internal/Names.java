package dev.larder.testkit.internal;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** Unique, readable names for key prefixes, key namespaces and databases. */
public final class Names {

  private static final AtomicLong COUNTER = new AtomicLong();

  /** Distinguishes JVMs that share a server (several test JVMs against one Docker Redis). */
  private static final String RUN =
      Long.toString(new SecureRandom().nextInt(36 * 36 * 36 * 36), 36);

  private Names() {}

  /**
   * A Redis key prefix.
   *
   * @param hint readable part
   * @return {@code "<hint>:<unique>:"}
   */
  public static String keyPrefix(String hint) {
    String h = hint.replaceAll("[^A-Za-z0-9_-]", "-");
    if (h.length() > 40) {
      h = h.substring(0, 40);
    }
    return (h.isEmpty() ? "t" : h) + ":" + next() + ":";
  }

  /**
   * A name valid for {@code dev.larder.core.KeyNamespace.of(name, version)}: letters, digits,
   * {@code .}, {@code _} and {@code -}, starting with a letter or digit, at most {@value
   * dev.larder.core.KeyNamespace#MAX_NAME_LENGTH} characters.
   *
   * @param hint readable part
   * @return {@code "<hint>-<unique>"}
   */
  public static String namespaceName(String hint) {
    String h = hint.replaceAll("[^A-Za-z0-9._-]", "-");
    if (h.length() > 40) {
      h = h.substring(0, 40);
    }
    if (h.isEmpty() || !isAsciiLetterOrDigit(h.charAt(0))) {
      h = "t" + h;
    }
    return h + "-" + next();
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /**
   * A database name valid in PostgreSQL and MongoDB: lower case, {@code [a-z0-9_]}, starting with a
   * letter, at most 63 characters.
   *
   * @param hint readable part
   * @return the name
   */
  public static String databaseName(String hint) {
    String h = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (h.isEmpty() || !Character.isLetter(h.charAt(0))) {
      h = "t_" + h;
    }
    if (h.length() > 40) {
      h = h.substring(0, 40);
    }
    return h + "_" + next();
  }

  private static String next() {
    return RUN + Long.toString(COUNTER.incrementAndGet(), 36);
  }
}
