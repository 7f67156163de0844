package dev.larder.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a lookup returned and why: the value (or its recorded absence), the tier that served it, its
 * age, and whether it is a stale fallback after a failed load.
 *
 * <p>Immutable.
 *
 * @param <V> the value type
 */
public final class CacheResult<V> {

  /** Where a value came from. */
  public enum Source {
    /** This JVM's Caffeine tier. */
    L1,
    /** The shared Redis tier (including a value another instance loaded while this one waited). */
    L2,
    /** The loader, called by this request or a request it joined. */
    LOADER
  }

  private final @Nullable V value;
  private final Source source;
  private final Duration age;
  private final boolean stale;
  private final @Nullable Throwable failure;

  private CacheResult(
      @Nullable V value, Source source, Duration age, boolean stale, @Nullable Throwable failure) {
    this.value = value;
    this.source = Objects.requireNonNull(source, "source must not be null");
    this.age = Objects.requireNonNull(age, "age must not be null");
    this.stale = stale;
    this.failure = failure;
  }

  /**
   * A fresh result.
   *
   * @param value the value, or null when the key is known to be absent
   * @param source where it came from
   * @param age how long ago it was loaded
   * @param <V> the value type
   * @return the result
   */
  public static <V> CacheResult<V> fresh(@Nullable V value, Source source, Duration age) {
    return new CacheResult<>(value, source, age, false, null);
  }

  /**
   * A stale fallback served because a load failed.
   *
   * @param value the stale value, or null when a stale absence is served
   * @param source the tier it came from
   * @param age how long ago it was loaded
   * @param failure why the load failed
   * @param <V> the value type
   * @return the result
   */
  public static <V> CacheResult<V> stale(
      @Nullable V value, Source source, Duration age, Throwable failure) {
    return new CacheResult<>(
        value, source, age, true, Objects.requireNonNull(failure, "failure must not be null"));
  }

  /**
   * The value.
   *
   * @return the value, or empty if the loader said the key does not exist
   */
  public Optional<V> value() {
    return Optional.ofNullable(value);
  }

  /**
   * The value, or null if the key does not exist.
   *
   * @return the value or null
   */
  public @Nullable V valueOrNull() {
    return value;
  }

  /**
   * Whether there is a value.
   *
   * @return false when the loader said the key does not exist (a negative entry)
   */
  public boolean isPresent() {
    return value != null;
  }

  /**
   * The tier that served the value.
   *
   * @return the source
   */
  public Source source() {
    return source;
  }

  /**
   * How long ago the value was loaded from the system of record (zero for a value just loaded).
   *
   * @return the age, never negative
   */
  public Duration age() {
    return age;
  }

  /**
   * Whether this is a stale value served because the load failed, timed out or was refused by the
   * circuit breaker.
   *
   * @return true for a stale fallback
   */
  public boolean isStale() {
    return stale;
  }

  /**
   * Why a stale value was served.
   *
   * @return the load's failure; empty for a fresh result
   */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  @Override
  public String toString() {
    return "CacheResult["
        + (value == null ? "absent" : "present")
        + ", source="
        + source
        + ", age="
        + age
        + (stale ? ", stale, failure=" + failure : "")
        + "]";
  }
}
