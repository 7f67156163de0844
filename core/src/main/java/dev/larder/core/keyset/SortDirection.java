package dev.larder.core.keyset;

/** The direction of one sort key. */
public enum SortDirection {
  /** Smallest first. */
  ASC,
  /** Largest first. */
  DESC;

  /**
   * The other direction.
   *
   * @return {@code DESC} for {@code ASC} and the other way round
   */
  public SortDirection reversed() {
    return this == ASC ? DESC : ASC;
  }
}
