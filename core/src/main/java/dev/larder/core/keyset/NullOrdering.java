package dev.larder.core.keyset;

/** Where NULLs (and, in MongoDB, missing fields) go in the order of one sort key. */
public enum NullOrdering {
  /** NULLs before every value, whatever the direction. */
  NULLS_FIRST,
  /** NULLs after every value, whatever the direction. */
  NULLS_LAST;

  /**
   * The other placement.
   *
   * @return {@code NULLS_LAST} for {@code NULLS_FIRST} and the other way round
   */
  public NullOrdering reversed() {
    return this == NULLS_FIRST ? NULLS_LAST : NULLS_FIRST;
  }
}
