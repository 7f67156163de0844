package dev.larder.core.keyset;

/** Which way a page is read from its cursor. */
public enum PageDirection {
  /** The rows after the cursor's row, in sort order ({@code ?after=}). */
  FORWARD,
  /** The rows before the cursor's row, returned in sort order ({@code ?before=}). */
  BACKWARD
}
