package dev.larder.core.keyset;

import java.util.Objects;

/**
 * One sort key of a keyset: a field (a column, or a document field), its direction, whether it can
 * hold NULL and where NULLs go, and whether it is unique.
 *
 * <p>{@link #asc(String)} and {@link #desc(String)} make a key that is declared not nullable; a row
 * with NULL in it is reported as an error when the page is assembled, because a NULL breaks the
 * comparisons used for non-nullable keys. {@link #nullsFirst()} and {@link #nullsLast()} declare
 * the key nullable and say where NULLs sort. Immutable.
 */
public final class SortKey {
  private static final int MAX_NAME_LENGTH = 128;

  private final String name;
  private final SortDirection direction;
  private final boolean nullable;
  private final NullOrdering nulls;
  private final boolean unique;

  private SortKey(
      String name, SortDirection direction, boolean nullable, NullOrdering nulls, boolean unique) {
    this.name = name;
    this.direction = direction;
    this.nullable = nullable;
    this.nulls = nulls;
    this.unique = unique;
  }

  /**
   * An ascending, not nullable, not unique key.
   *
   * @param name the field or column name, 1 to 128 characters without control characters
   * @return the key
   * @throws IllegalArgumentException if the name is blank, too long or has control characters
   */
  public static SortKey asc(String name) {
    return of(name, SortDirection.ASC);
  }

  /**
   * A descending, not nullable, not unique key.
   *
   * @param name the field or column name, 1 to 128 characters without control characters
   * @return the key
   * @throws IllegalArgumentException if the name is blank, too long or has control characters
   */
  public static SortKey desc(String name) {
    return of(name, SortDirection.DESC);
  }

  /**
   * A not nullable, not unique key in the given direction.
   *
   * @param name the field or column name, 1 to 128 characters without control characters
   * @param direction the direction
   * @return the key
   * @throws IllegalArgumentException if the name is blank, too long or has control characters
   */
  public static SortKey of(String name, SortDirection direction) {
    Objects.requireNonNull(direction, "direction must not be null");
    return new SortKey(checkName(name), direction, false, defaultNulls(direction), false);
  }

  /**
   * This key, declared nullable with NULLs before every value.
   *
   * @return a new key
   */
  public SortKey nullsFirst() {
    return new SortKey(name, direction, true, NullOrdering.NULLS_FIRST, unique);
  }

  /**
   * This key, declared nullable with NULLs after every value.
   *
   * @return a new key
   */
  public SortKey nullsLast() {
    return new SortKey(name, direction, true, NullOrdering.NULLS_LAST, unique);
  }

  /**
   * This key, declared unique (no two rows share a value), so it can end a keyset.
   *
   * @return a new key
   */
  public SortKey unique() {
    return new SortKey(name, direction, nullable, nulls, true);
  }

  /**
   * The key read the other way: direction and null ordering both reversed, as a backward page
   * needs.
   *
   * @return a new key
   */
  public SortKey reversed() {
    return new SortKey(name, direction.reversed(), nullable, nulls.reversed(), unique);
  }

  /**
   * The field or column name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The direction.
   *
   * @return the direction
   */
  public SortDirection direction() {
    return direction;
  }

  /**
   * Whether the key may hold NULL (declared with {@link #nullsFirst()} or {@link #nullsLast()}).
   *
   * @return true if nullable
   */
  public boolean nullable() {
    return nullable;
  }

  /**
   * Where NULLs sort. For a key that is not nullable this is PostgreSQL's default for the direction
   * (ASC NULLS LAST, DESC NULLS FIRST), so reversing stays consistent; it is never used.
   *
   * @return the null ordering
   */
  public NullOrdering nulls() {
    return nulls;
  }

  /**
   * Whether the key is declared unique.
   *
   * @return true if unique
   */
  public boolean isUnique() {
    return unique;
  }

  /** A stable text form, used in fingerprints and messages. */
  @Override
  public String toString() {
    return name + " " + direction + (nullable ? " " + nulls : "") + (unique ? " UNIQUE" : "");
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SortKey k)) {
      return false;
    }
    return name.equals(k.name)
        && direction == k.direction
        && nullable == k.nullable
        && nulls == k.nulls
        && unique == k.unique;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, direction, nullable, nulls, unique);
  }

  private static NullOrdering defaultNulls(SortDirection direction) {
    return direction == SortDirection.ASC ? NullOrdering.NULLS_LAST : NullOrdering.NULLS_FIRST;
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name must not be null");
    if (name.isBlank()
        || name.length() > MAX_NAME_LENGTH
        || name.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "name must be 1 to "
              + MAX_NAME_LENGTH
              + " characters without control characters but was \""
              + name
              + "\"");
    }
    return name;
  }
}
