package dev.larder.testkit.internal;

/** PostgreSQL WAL positions ("X/Y", two hexadecimal 32-bit halves). */
public final class Lsn {

  private Lsn() {}

  /**
   * Parses an LSN.
   *
   * @param lsn text such as {@code "16/B374D848"}
   * @return the position as an unsigned 64-bit number
   * @throws IllegalArgumentException if the text is not an LSN
   */
  public static long parse(String lsn) {
    int slash = lsn.indexOf('/');
    if (slash <= 0 || slash == lsn.length() - 1) {
      throw new IllegalArgumentException("lsn must look like 'X/Y' but was '" + lsn + "'");
    }
    try {
      long hi = Long.parseLong(lsn.substring(0, slash), 16);
      long lo = Long.parseLong(lsn.substring(slash + 1), 16);
      if (hi > 0xFFFF_FFFFL || lo > 0xFFFF_FFFFL || hi < 0 || lo < 0) {
        throw new IllegalArgumentException("lsn must look like 'X/Y' but was '" + lsn + "'");
      }
      return (hi << 32) | lo;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lsn must look like 'X/Y' but was '" + lsn + "'", e);
    }
  }

  /**
   * Bytes from {@code behind} to {@code ahead}, never negative.
   *
   * @param ahead the later position
   * @param behind the earlier position
   * @return {@code max(0, ahead - behind)}, comparing the positions unsigned
   */
  public static long distance(String ahead, String behind) {
    long a = parse(ahead);
    long b = parse(behind);
    return Long.compareUnsigned(a, b) <= 0 ? 0 : a - b;
  }
}
