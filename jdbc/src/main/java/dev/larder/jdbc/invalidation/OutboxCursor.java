package dev.larder.jdbc.invalidation;

/**
 * A position in the outbox: every row ordered at or before {@code (txid, id)} was delivered.
 *
 * <p>Rows are ordered by the writing transaction's 64-bit id first and the row id second. That
 * order, unlike the row id alone, never grows a new row behind a position once the position is
 * below the oldest transaction still running (see {@link OutboxPoller}).
 */
record OutboxCursor(long txid, long id) implements Comparable<OutboxCursor> {

  static final OutboxCursor ORIGIN = new OutboxCursor(0, 0);

  @Override
  public int compareTo(OutboxCursor other) {
    int byTx = Long.compareUnsigned(txid, other.txid);
    return byTx != 0 ? byTx : Long.compare(id, other.id);
  }

  OutboxCursor max(OutboxCursor other) {
    return compareTo(other) >= 0 ? this : other;
  }

  /** The form used as an event's position and in logs: {@code txid:id}. */
  @Override
  public String toString() {
    return Long.toUnsignedString(txid) + ":" + id;
  }

  static OutboxCursor parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("position must be txid:id but was '" + text + "'");
    }
    try {
      return new OutboxCursor(
          Long.parseUnsignedLong(text.substring(0, colon)),
          Long.parseLong(text.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("position must be txid:id but was '" + text + "'", e);
    }
  }
}
