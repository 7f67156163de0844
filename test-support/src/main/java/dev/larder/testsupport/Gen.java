package dev.larder.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Value generators for {@link Property}, each drawing from the {@link Random} it is given. Numbers
 * land on the edges of their range (the bounds, and zero or one when inside it) one time in eight,
 * where off-by-one defects live; strings mix ASCII, controls, non-ASCII letters and surrogate pairs
 * unless an alphabet is given.
 */
public final class Gen {

  private Gen() {}

  /**
   * An int in {@code [min, max]}, edges favoured.
   *
   * @param r the random source
   * @param min the lowest value
   * @param max the highest value
   * @return the value
   * @throws IllegalArgumentException if {@code min > max}
   */
  public static int intBetween(Random r, int min, int max) {
    return (int) longBetween(r, min, max);
  }

  /**
   * A long in {@code [min, max]}, edges favoured.
   *
   * @param r the random source
   * @param min the lowest value
   * @param max the highest value
   * @return the value
   * @throws IllegalArgumentException if {@code min > max}
   */
  public static long longBetween(Random r, long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("min must be <= max but was " + min + " > " + max);
    }
    if (r.nextInt(8) == 0) {
      long[] edges = {min, max, 0, 1, -1};
      long e = edges[r.nextInt(edges.length)];
      if (e >= min && e <= max) {
        return e;
      }
    }
    if (max < Long.MAX_VALUE) {
      return r.nextLong(min, max + 1);
    }
    if (min > Long.MIN_VALUE) {
      return r.nextLong(min - 1, max) + 1;
    }
    return r.nextLong();
  }

  /**
   * Any long, edges ({@code MIN_VALUE}, {@code MAX_VALUE}, 0, ±1) favoured.
   *
   * @param r the random source
   * @return the value
   */
  public static long anyLong(Random r) {
    return longBetween(r, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /**
   * A double in {@code [min, max]}, the bounds favoured.
   *
   * @param r the random source
   * @param min the lowest value
   * @param max the highest value
   * @return the value
   * @throws IllegalArgumentException if {@code min > max}
   */
  public static double doubleBetween(Random r, double min, double max) {
    if (!(min <= max)) {
      throw new IllegalArgumentException("min must be <= max but was " + min + " > " + max);
    }
    int edge = r.nextInt(16);
    if (edge == 0) {
      return min;
    }
    if (edge == 1) {
      return max;
    }
    return Math.min(max, min + r.nextDouble() * (max - min));
  }

  /**
   * One of the given values.
   *
   * @param r the random source
   * @param values the choices
   * @param <T> the type
   * @return one of them
   * @throws IllegalArgumentException if there are none
   */
  @SafeVarargs
  public static <T> T oneOf(Random r, T... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("oneOf needs at least one value");
    }
    return values[r.nextInt(values.length)];
  }

  /**
   * A list of {@code [min, max]} values from {@code element}.
   *
   * @param r the random source
   * @param min the shortest length
   * @param max the longest length
   * @param element draws one element
   * @param <T> the element type
   * @return the list (modifiable)
   */
  public static <T> List<T> listOf(Random r, int min, int max, Function<Random, T> element) {
    int n = intBetween(r, min, max);
    List<T> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(element.apply(r));
    }
    return out;
  }

  /**
   * A string of {@code [min, max]} characters drawn from {@code alphabet}.
   *
   * @param r the random source
   * @param min the shortest length
   * @param max the longest length
   * @param alphabet the characters to use (non-empty)
   * @return the string
   */
  public static String string(Random r, int min, int max, String alphabet) {
    if (alphabet.isEmpty()) {
      throw new IllegalArgumentException("alphabet must not be empty");
    }
    int n = intBetween(r, min, max);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /**
   * A string of {@code [min, max]} code points: mostly printable ASCII, with control characters,
   * Latin-1 and other BMP letters, and supplementary characters (surrogate pairs) mixed in. Its
   * {@code length()} may exceed {@code max} by the surrogate pairs.
   *
   * @param r the random source
   * @param min the fewest code points
   * @param max the most code points
   * @return the string
   */
  public static String anyString(Random r, int min, int max) {
    int n = intBetween(r, min, max);
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      int cp;
      if (kind < 6) {
        cp = 0x20 + r.nextInt(0x5F);
      } else if (kind == 6) {
        cp = r.nextInt(0x20);
      } else if (kind == 7) {
        cp = 0xA0 + r.nextInt(0x60);
      } else if (kind == 8) {
        cp = 0x100 + r.nextInt(0xD7FF - 0x100);
      } else {
        cp = 0x10000 + r.nextInt(0x10FFFF - 0x10000);
      }
      b.appendCodePoint(cp);
    }
    return b.toString();
  }

  /**
   * {@code [min, max]} random bytes.
   *
   * @param r the random source
   * @param min the fewest bytes
   * @param max the most bytes
   * @return the bytes
   */
  public static byte[] bytes(Random r, int min, int max) {
    byte[] b = new byte[intBetween(r, min, max)];
    r.nextBytes(b);
    return b;
  }

  /**
   * {@code n} random booleans.
   *
   * @param r the random source
   * @param n how many
   * @return the list (unmodifiable)
   */
  public static List<Boolean> booleans(Random r, int n) {
    List<Boolean> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(r.nextBoolean());
    }
    return List.copyOf(out);
  }

  /**
   * A random selection of {@code [min, max]} distinct elements of {@code from}, in random order.
   *
   * @param r the random source
   * @param from the elements to choose among
   * @param min the fewest elements
   * @param max the most elements (at most {@code from.size()})
   * @param <T> the element type
   * @return the selection (unmodifiable)
   * @throws IllegalArgumentException if {@code max > from.size()} or {@code min > max}
   */
  public static <T> List<T> shuffledSubset(Random r, List<T> from, int min, int max) {
    if (max > from.size()) {
      throw new IllegalArgumentException("max must be <= " + from.size() + " but was " + max);
    }
    List<T> all = new ArrayList<>(from);
    Collections.shuffle(all, r);
    return List.copyOf(all.subList(0, intBetween(r, min, max)));
  }
}
