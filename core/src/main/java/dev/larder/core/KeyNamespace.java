package dev.larder.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A validated key prefix {@code <name>:v<version>:} shared by every key a component stores.
 *
 * <p>The name keeps caches and services apart on a shared Redis; the version lets a deploy that
 * changes the shape of stored values start from empty keys ({@code catalog:v3:}) instead of
 * decoding old ones. {@link #qualify(String)} checks each key so that a bad key fails at the call
 * that made it, with a message naming the problem, rather than deep in a driver.
 *
 * <pre>{@code
 * KeyNamespace ns = KeyNamespace.of("catalog", 3);
 * ns.qualify("product:42");   // "catalog:v3:product:42"
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class KeyNamespace {

  /** The longest namespace name allowed, in characters. */
  public static final int MAX_NAME_LENGTH = 64;

  /**
   * The default limit on a qualified key, in UTF-8 bytes. Redis accepts far longer keys, but long
   * keys cost memory and bandwidth on every call; a key this long is almost always a bug.
   */
  public static final int DEFAULT_MAX_KEY_BYTES = 1024;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final String name;
  private final int version;
  private final int maxKeyBytes;
  private final String prefix;

  private KeyNamespace(String name, int version, int maxKeyBytes) {
    this.name = name;
    this.version = version;
    this.maxKeyBytes = maxKeyBytes;
    this.prefix = name + ":v" + version + ":";
  }

  /**
   * A namespace with the default key limit of {@value #DEFAULT_MAX_KEY_BYTES} bytes.
   *
   * @param name letters, digits, {@code .}, {@code _} and {@code -}, starting with a letter or
   *     digit, at most {@value #MAX_NAME_LENGTH} characters
   * @param version the value-format version, {@code >= 0}
   * @return the namespace
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty, too long or has an illegal character, or
   *     the version is negative
   */
  public static KeyNamespace of(String name, int version) {
    return of(name, version, DEFAULT_MAX_KEY_BYTES);
  }

  /**
   * A namespace with an explicit key limit.
   *
   * @param name see {@link #of(String, int)}
   * @param version the value-format version, {@code >= 0}
   * @param maxKeyBytes the longest qualified key allowed, in UTF-8 bytes; must leave room for at
   *     least one byte after the prefix
   * @return the namespace
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if a value is out of range, naming it
   */
  public static KeyNamespace of(String name, int version, int maxKeyBytes) {
    Objects.requireNonNull(name, "namespace name must not be null");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("namespace name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "namespace name must be at most "
              + MAX_NAME_LENGTH
              + " characters but was "
              + name.length()
              + " ('"
              + abbreviate(name)
              + "')");
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "namespace name must match " + NAME.pattern() + " but was '" + printable(name) + "'");
    }
    if (version < 0) {
      throw new IllegalArgumentException("namespace version must be >= 0 but was " + version);
    }
    KeyNamespace ns = new KeyNamespace(name, version, maxKeyBytes);
    int prefixBytes = ns.prefix.getBytes(StandardCharsets.UTF_8).length;
    if (maxKeyBytes <= prefixBytes) {
      throw new IllegalArgumentException(
          "maxKeyBytes must be > "
              + prefixBytes
              + " (the prefix '"
              + ns.prefix
              + "') but was "
              + maxKeyBytes);
    }
    return ns;
  }

  /**
   * The namespace name.
   *
   * @return the name, as given
   */
  public String name() {
    return name;
  }

  /**
   * The value-format version.
   *
   * @return the version
   */
  public int version() {
    return version;
  }

  /**
   * The longest qualified key allowed.
   *
   * @return the limit in UTF-8 bytes
   */
  public int maxKeyBytes() {
    return maxKeyBytes;
  }

  /**
   * The prefix every qualified key starts with.
   *
   * @return {@code <name>:v<version>:}
   */
  public String prefix() {
    return prefix;
  }

  /**
   * Checks a caller's key and prefixes it.
   *
   * @param key a non-empty key without control characters (such as newlines or NUL)
   * @return {@code prefix() + key}
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty, holds a control character (the message
   *     gives its index and code point), or the qualified key is longer than {@link #maxKeyBytes()}
   */
  public String qualify(String key) {
    validateKey(key);
    String qualified = prefix + key;
    int bytes = qualified.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxKeyBytes) {
      throw new IllegalArgumentException(
          "key must be at most "
              + (maxKeyBytes - (bytes - utf8Length(key)))
              + " UTF-8 bytes in namespace '"
              + prefix
              + "' (qualified limit "
              + maxKeyBytes
              + ") but was "
              + utf8Length(key)
              + " bytes ('"
              + abbreviate(key)
              + "')");
    }
    return qualified;
  }

  /**
   * Removes this namespace's prefix from a qualified key.
   *
   * @param qualified a key made by {@link #qualify(String)}
   * @return the caller's key
   * @throws IllegalArgumentException if the key does not belong to this namespace
   */
  public String unqualify(String qualified) {
    Objects.requireNonNull(qualified, "qualified key must not be null");
    if (!qualified.startsWith(prefix) || qualified.length() == prefix.length()) {
      throw new IllegalArgumentException(
          "key '" + abbreviate(qualified) + "' is not in namespace '" + prefix + "'");
    }
    return qualified.substring(prefix.length());
  }

  /**
   * Whether a storage key belongs to this namespace.
   *
   * @param qualified any key
   * @return {@code true} if it starts with {@link #prefix()} and has a key after it
   */
  public boolean contains(@Nullable String qualified) {
    return qualified != null
        && qualified.startsWith(prefix)
        && qualified.length() > prefix.length();
  }

  /**
   * Checks a caller's key without qualifying it: non-null, non-empty, no control characters.
   *
   * @param key the key
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key is empty or holds a control character
   */
  public static void validateKey(String key) {
    Objects.requireNonNull(key, "key must not be null");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    for (int i = 0; i < key.length(); ) {
      int cp = key.codePointAt(i);
      if (Character.isISOControl(cp)) {
        throw new IllegalArgumentException(
            String.format(
                "key must not contain control characters but had U+%04X at index %d ('%s')",
                cp, i, abbreviate(printable(key))));
      }
      i += Character.charCount(cp);
    }
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)) {
                b.append(String.format("\\u%04x", cp));
              } else {
                b.appendCodePoint(cp);
              }
            });
    return b.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KeyNamespace other
        && name.equals(other.name)
        && version == other.version
        && maxKeyBytes == other.maxKeyBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, maxKeyBytes);
  }

  @Override
  public String toString() {
    return "KeyNamespace[" + prefix + ", maxKeyBytes=" + maxKeyBytes + "]";
  }
}
