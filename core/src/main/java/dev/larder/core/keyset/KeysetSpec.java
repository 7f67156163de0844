package dev.larder.core.keyset;

import dev.larder.core.internal.Require;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The description of a keyset: a query name, the ordered sort keys (the last one unique), and page
 * sizes. Immutable and thread-safe; build one with {@link #builder(String)}.
 *
 * <p>The query name and the sort keys make the spec's {@linkplain #fingerprint() fingerprint},
 * which every cursor carries (signed): a cursor issued under one spec is rejected under another.
 */
public final class KeysetSpec {
  /** Default page size when a request gives none: {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** Default largest page size a request may ask for: {@value}. */
  public static final int DEFAULT_MAX_PAGE_SIZE = 500;

  /** The most sort keys a spec may have (the tiebreaker included): {@value}. */
  public static final int MAX_KEYS = 16;

  private final String queryName;
  private final List<SortKey> keys;
  private final List<SortKey> reversedKeys;
  private final int defaultPageSize;
  private final int maxPageSize;
  private final String fingerprint;

  private KeysetSpec(Builder b, List<SortKey> keys) {
    this.queryName = b.queryName;
    this.keys = List.copyOf(keys);
    List<SortKey> rev = new ArrayList<>();
    for (SortKey k : keys) {
      rev.add(k.reversed());
    }
    this.reversedKeys = List.copyOf(rev);
    this.defaultPageSize = b.defaultPageSize == null ? DEFAULT_PAGE_SIZE : b.defaultPageSize;
    this.maxPageSize = b.maxPageSize == null ? DEFAULT_MAX_PAGE_SIZE : b.maxPageSize;
    this.fingerprint = computeFingerprint(queryName, this.keys);
  }

  /**
   * Starts a spec.
   *
   * @param queryName names the query this keyset pages (for example {@code "orders-by-customer"});
   *     part of the fingerprint, so cursors of two queries with the same sort are not
   *     interchangeable
   * @return a builder
   * @throws IllegalArgumentException if the name is blank or longer than 200 characters
   */
  public static Builder builder(String queryName) {
    Require.notNull(queryName, "queryName");
    if (queryName.isBlank() || queryName.length() > 200) {
      throw new IllegalArgumentException(
          "queryName must be 1 to 200 characters but was \"" + queryName + "\"");
    }
    return new Builder(queryName);
  }

  /**
   * The query name.
   *
   * @return the name given to {@link #builder(String)}
   */
  public String queryName() {
    return queryName;
  }

  /**
   * The sort keys in order, the unique one last (the tiebreaker, if one was appended).
   *
   * @return an immutable list
   */
  public List<SortKey> keys() {
    return keys;
  }

  /**
   * The keys as a page read in {@code direction} must order its query: as declared for {@link
   * PageDirection#FORWARD}, every key {@linkplain SortKey#reversed() reversed} for {@link
   * PageDirection#BACKWARD}.
   *
   * @param direction the page direction
   * @return an immutable list
   */
  public List<SortKey> keysFor(PageDirection direction) {
    return direction == PageDirection.FORWARD ? keys : reversedKeys;
  }

  /**
   * The page size used when a request gives none.
   *
   * @return rows per page
   */
  public int defaultPageSize() {
    return defaultPageSize;
  }

  /**
   * The largest page size a request may ask for.
   *
   * @return rows per page
   */
  public int maxPageSize() {
    return maxPageSize;
  }

  /**
   * A stable digest (hex) of the query name and the sort keys; cursors are bound to it.
   *
   * @return 64 hex characters
   */
  public String fingerprint() {
    return fingerprint;
  }

  @Override
  public String toString() {
    return "KeysetSpec{"
        + queryName
        + ": "
        + keys
        + ", pageSize="
        + defaultPageSize
        + "/"
        + maxPageSize
        + "}";
  }

  private static String computeFingerprint(String queryName, List<SortKey> keys) {
    StringBuilder canonical = new StringBuilder("larder-keyset-spec/1\n").append(queryName);
    for (SortKey k : keys) {
      canonical.append('\n').append(k);
    }
    byte[] digest = sha256(canonical.toString().getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte d : digest) {
      hex.append(Character.forDigit((d >> 4) & 0xF, 16)).append(Character.forDigit(d & 0xF, 16));
    }
    return hex.toString();
  }

  static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** Builds a {@link KeysetSpec}; not thread-safe. */
  public static final class Builder {
    private final String queryName;
    private @Nullable List<SortKey> sortKeys;
    private @Nullable String tiebreaker;
    private @Nullable Integer defaultPageSize;
    private @Nullable Integer maxPageSize;

    private Builder(String queryName) {
      this.queryName = queryName;
    }

    /**
     * The sort keys, most significant first.
     *
     * @param keys one or more keys with distinct names
     * @return this builder
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if empty
     */
    public Builder sortBy(SortKey... keys) {
      Require.notNull(keys, "keys");
      Require.notYetSet(sortKeys, "sortBy");
      if (keys.length == 0) {
        throw new IllegalArgumentException("sortBy must have at least one key but was []");
      }
      for (SortKey k : keys) {
        Require.notNull(k, "sortBy key");
      }
      sortKeys = List.copyOf(Arrays.asList(keys));
      return this;
    }

    /**
     * A unique, not nullable field (the primary key, {@code _id}) appended as the last key,
     * ascending, unless the last sort key already has this name.
     *
     * @param name the field or column name
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder tiebreaker(String name) {
      Require.notNull(name, "tiebreaker");
      Require.notYetSet(tiebreaker, "tiebreaker");
      SortKey.asc(name); // validates the name now
      tiebreaker = name;
      return this;
    }

    /**
     * Rows per page when a request gives no size; default {@value #DEFAULT_PAGE_SIZE}.
     *
     * @param size {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code size <= 0}
     * @throws IllegalStateException if already set
     */
    public Builder defaultPageSize(int size) {
      Require.positive(size, "defaultPageSize");
      Require.notYetSet(defaultPageSize, "defaultPageSize");
      defaultPageSize = size;
      return this;
    }

    /**
     * The largest page a request may ask for; default {@value #DEFAULT_MAX_PAGE_SIZE}.
     *
     * @param size {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if {@code size <= 0}
     * @throws IllegalStateException if already set
     */
    public Builder maxPageSize(int size) {
      Require.positive(size, "maxPageSize");
      Require.notYetSet(maxPageSize, "maxPageSize");
      maxPageSize = size;
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     * @throws IllegalStateException if no sort keys were given; if the last key is neither unique
     *     nor followed by a tiebreaker; if the unique last key is nullable; if two keys share a
     *     name (the tiebreaker included) or there are more than {@value #MAX_KEYS}; if the default
     *     page size exceeds the maximum
     */
    public KeysetSpec build() {
      if (sortKeys == null) {
        throw new IllegalStateException("sortBy must be set");
      }
      List<SortKey> keys = new ArrayList<>(sortKeys);
      if (tiebreaker != null) {
        SortKey last = keys.get(keys.size() - 1);
        if (last.name().equals(tiebreaker)) {
          if (last.nullable()) {
            throw new IllegalStateException(
                "tiebreaker must not be nullable but sort key " + last + " is");
          }
          keys.set(keys.size() - 1, last.unique());
        } else {
          keys.add(SortKey.asc(tiebreaker).unique());
        }
      }
      Set<String> names = new HashSet<>();
      for (SortKey k : keys) {
        if (!names.add(k.name())) {
          throw new IllegalStateException(
              "sort key names must be distinct but \"" + k.name() + "\" appears twice in " + keys);
        }
      }
      if (keys.size() > MAX_KEYS) {
        throw new IllegalStateException(
            "sortBy must have at most "
                + MAX_KEYS
                + " keys (tiebreaker included) but had "
                + keys.size());
      }
      SortKey last = keys.get(keys.size() - 1);
      if (!last.isUnique()) {
        throw new IllegalStateException(
            "the last sort key must be unique but was "
                + last
                + ": mark it unique() or set a tiebreaker (the primary key, _id)");
      }
      if (last.nullable()) {
        throw new IllegalStateException(
            "the unique last sort key must not be nullable but was " + last);
      }
      int def = defaultPageSize == null ? DEFAULT_PAGE_SIZE : defaultPageSize;
      int max = maxPageSize == null ? DEFAULT_MAX_PAGE_SIZE : maxPageSize;
      if (def > max) {
        throw new IllegalStateException(
            "defaultPageSize must be <= maxPageSize (" + max + ") but was " + def);
      }
      return new KeysetSpec(this, keys);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeysetSpec keysetSpec
        && keysetSpec.fingerprint.equals(fingerprint)
        && keysetSpec.defaultPageSize == defaultPageSize
        && keysetSpec.maxPageSize == maxPageSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(fingerprint, defaultPageSize, maxPageSize);
  }
}
