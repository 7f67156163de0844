package dev.larder.core.keyset;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A cursor that passed every check: the boundary row's key values, the direction to read from it,
 * when it was issued and which key signed it.
 */
public final class DecodedCursor {
  private final PageDirection direction;
  private final List<@Nullable Object> values;
  private final Instant issuedAt;
  private final String keyId;

  DecodedCursor(
      PageDirection direction, List<@Nullable Object> values, Instant issuedAt, String keyId) {
    this.direction = direction;
    this.values = Collections.unmodifiableList(new ArrayList<>(values));
    this.issuedAt = issuedAt;
    this.keyId = keyId;
  }

  /**
   * The direction to read from the boundary row.
   *
   * @return the direction
   */
  public PageDirection direction() {
    return direction;
  }

  /**
   * The boundary row's key values, in sort-key order; an element is null where the row had NULL.
   *
   * @return an unmodifiable list
   */
  public List<@Nullable Object> values() {
    return values;
  }

  /**
   * When the cursor was issued, to the second.
   *
   * @return the instant
   */
  public Instant issuedAt() {
    return issuedAt;
  }

  /**
   * The id of the key that signed the cursor.
   *
   * @return the key id
   */
  public String keyId() {
    return keyId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DecodedCursor c)) {
      return false;
    }
    return direction == c.direction
        && values.equals(c.values)
        && issuedAt.equals(c.issuedAt)
        && keyId.equals(c.keyId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(direction, values, issuedAt, keyId);
  }

  /** Names the direction and key id only: the values may be private. */
  @Override
  public String toString() {
    return "DecodedCursor{" + direction + ", " + values.size() + " values, key " + keyId + "}";
  }
}
