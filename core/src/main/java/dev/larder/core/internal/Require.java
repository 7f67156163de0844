package dev.larder.core.internal;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks with the project's stable message shape: {@code "<field> must be <rule> but was
 * <value>"}. Used by every builder so users can grep for one form of message.
 */
public final class Require {
  private Require() {}

  /**
   * Checks that a value is present.
   *
   * @param value the value
   * @param field the setting's name
   * @param <T> the value's type
   * @return the value
   * @throws NullPointerException naming the field
   */
  public static <T> T notNull(@Nullable T value, String field) {
    return Objects.requireNonNull(value, () -> field + " must not be null");
  }

  /**
   * Checks {@code value > 0}.
   *
   * @param value the value
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field and the value
   */
  public static long positive(long value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks {@code value > 0}.
   *
   * @param value the value
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field and the value
   */
  public static int positive(int value, String field) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks {@code value >= 0}.
   *
   * @param value the value
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field and the value
   */
  public static long nonNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be >= 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks {@code value >= 0}.
   *
   * @param value the value
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field and the value
   */
  public static int nonNegative(int value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must be >= 0 but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is present and strictly positive.
   *
   * @param value the duration
   * @param field the setting's name
   * @return the duration
   * @throws NullPointerException if null
   * @throws IllegalArgumentException naming the field and the value if zero or negative
   */
  public static Duration positive(@Nullable Duration value, String field) {
    Duration present = notNull(value, field);
    if (present.isZero() || present.isNegative()) {
      throw new IllegalArgumentException(field + " must be > 0 but was " + present);
    }
    return present;
  }

  /**
   * Checks that a duration is present and not negative.
   *
   * @param value the duration
   * @param field the setting's name
   * @return the duration
   * @throws NullPointerException if null
   * @throws IllegalArgumentException naming the field and the value if negative
   */
  public static Duration nonNegative(@Nullable Duration value, String field) {
    Duration present = notNull(value, field);
    if (present.isNegative()) {
      throw new IllegalArgumentException(field + " must be >= 0 but was " + present);
    }
    return present;
  }

  /**
   * Checks {@code min <= value <= max} (NaN fails).
   *
   * @param value the value
   * @param min the smallest allowed
   * @param max the largest allowed
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field, the range and the value
   */
  public static double inRange(double value, double min, double max, String field) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }

  /**
   * Checks {@code min <= value <= max}.
   *
   * @param value the value
   * @param min the smallest allowed
   * @param max the largest allowed
   * @param field the setting's name
   * @return the value
   * @throws IllegalArgumentException naming the field, the range and the value
   */
  public static long inRange(long value, long min, long max, String field) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + max + "] but was " + value);
    }
    return value;
  }

  /**
   * Fails when a setting is given a second time (Caffeine's rule: a repeated setting is a bug).
   *
   * @param previous the value set earlier, or null if none
   * @param field the setting's name
   * @throws IllegalStateException naming the field and the earlier value
   */
  public static void notYetSet(@Nullable Object previous, String field) {
    if (previous != null) {
      throw new IllegalStateException(field + " was already set to " + previous);
    }
  }
}
