package dev.larder.jdbc.internal;

/**
 * PostgreSQL WAL positions: text {@code "X/Y"} (two hexadecimal 32-bit halves) as a 64-bit number.
 *
 * <p>Stateless: thread-safe.
 */
public final class Lsn {
  private Lsn() {}

  /**
   * Parses an LSN.
   *
   * @param text such as {@code "16/B374D848"}
   * @return the position, compared with {@link Long#compareUnsigned(long, long)}
   * @throws IllegalArgumentException if the text is not an LSN
   */
  public static long parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
      throw new IllegalArgumentException("lsn must look like 'X/Y' but was '" + text + "'");
    }
    try {
      long hi = Long.parseUnsignedLong(text.substring(0, slash), 16);
      long lo = Long.parseUnsignedLong(text.substring(slash + 1), 16);
      return (hi << 32) | lo;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("lsn must look like 'X/Y' but was '" + text + "'", e);
    }
  }

  /**
   * Formats an LSN as PostgreSQL prints it.
   *
   * @param lsn the position
   * @return text such as {@code "16/B374D848"}
   */
  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT)
        + "/"
        + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * Whether {@code position} has reached {@code target}.
   *
   * @param position a replay position
   * @param target the position to reach
   * @return {@code position >= target}, unsigned
   */
  public static boolean reached(long position, long target) {
    return Long.compareUnsigned(position, target) >= 0;
  }
}
