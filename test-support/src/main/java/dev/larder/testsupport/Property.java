package dev.larder.testsupport;

import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks a property over many generated values, reproducibly.
 *
 * <pre>{@code
 * Property.forAll("encode then decode is the identity", 1000,
 *     r -> Gen.string(r, 0, 64),
 *     s -> assertThat(decode(encode(s))).isEqualTo(s));
 * }</pre>
 *
 * <p>Every run of a property draws the same values: try {@code i} of a property uses a {@link
 * Random} seeded from the property's seed and {@code i}, and the seed is fixed (derived from the
 * property's name) unless {@value #SEED} says otherwise ({@code random} for a fresh seed, or a
 * number to replay one). A failing try throws an {@link AssertionError} naming the property, the
 * seed, the try and the value, with the property's own failure as its cause; the message says how
 * to replay it. {@value #TRIES} multiplies the number of tries (e.g. {@code 10} for a longer hunt).
 */
public final class Property {

  /**
   * System property: a seed to use ({@code random} draws one), instead of the name-derived seed.
   */
  public static final String SEED = "larder.property.seed";

  /** System property: a factor applied to every property's number of tries (default 1). */
  public static final String TRIES = "larder.property.tries";

  private Property() {}

  /**
   * A check over one generated value.
   *
   * @param <T> the value type
   */
  @FunctionalInterface
  public interface Check<T> {
    /**
     * Checks the property for one value.
     *
     * @param value the generated value
     * @throws Exception (or an {@link AssertionError}) if the property does not hold
     */
    void check(T value) throws Exception;
  }

  /**
   * Runs {@code check} on {@code tries} values drawn by {@code generator}.
   *
   * @param name what the property says (used in the message and to derive the seed)
   * @param tries how many values to try (before the {@value #TRIES} factor)
   * @param generator draws one value from the given random source
   * @param check the property
   * @param <T> the value type
   * @throws AssertionError for the first value the property does not hold for
   * @throws IllegalArgumentException if {@code tries} is not positive or a system property is
   *     malformed
   */
  public static <T> void forAll(
      String name, int tries, Function<Random, T> generator, Check<T> check) {
    Objects.requireNonNull(name, "name");
    if (tries <= 0) {
      throw new IllegalArgumentException("tries must be > 0 but was " + tries);
    }
    long seed = seed(name);
    int total = Math.multiplyExact(tries, factor());
    for (int i = 0; i < total; i++) {
      Random random = new Random(mix(seed, i));
      T value = generator.apply(random);
      String shown = show(value); // before the check, which may change a mutable value
      try {
        check.check(value);
      } catch (Exception | AssertionError e) {
        throw new AssertionError(
            "property '"
                + name
                + "' failed on try "
                + (i + 1)
                + " of "
                + total
                + " (seed "
                + seed
                + "; replay with -D"
                + SEED
                + "="
                + seed
                + ") for value: "
                + shown
                + "\n  "
                + e,
            e);
      }
    }
  }

  /**
   * The seed a property runs with: {@value #SEED} if set, else one derived from its name.
   *
   * @param name the property's name
   * @return the seed
   */
  public static long seed(String name) {
    String configured = System.getProperty(SEED);
    if (configured == null || configured.isBlank()) {
      return name.hashCode() * 0x9E3779B97F4A7C15L;
    }
    if (configured.equals("random")) {
      return System.nanoTime() ^ Thread.currentThread().getId();
    }
    try {
      return Long.parseLong(configured.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          SEED + " must be a number or 'random' but was '" + configured + "'", e);
    }
  }

  private static int factor() {
    String configured = System.getProperty(TRIES);
    if (configured == null || configured.isBlank()) {
      return 1;
    }
    try {
      int f = Integer.parseInt(configured.trim());
      if (f <= 0) {
        throw new IllegalArgumentException(TRIES + " must be > 0 but was " + f);
      }
      return f;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          TRIES + " must be a positive number but was '" + configured + "'", e);
    }
  }

  /** SplitMix64's finaliser over seed and try, so neighbouring tries get unrelated streams. */
  static long mix(long seed, int attempt) {
    long z = seed + (attempt + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static String show(Object value) {
    String s;
    if (value instanceof byte[] b) {
      s = b.length + " bytes [" + java.util.HexFormat.of().formatHex(b) + "]";
    } else if (value instanceof Object[] a) {
      s = java.util.Arrays.deepToString(a);
    } else {
      s = String.valueOf(value);
    }
    return s.length() > 2000 ? s.substring(0, 2000) + "... (" + s.length() + " chars)" : s;
  }
}
