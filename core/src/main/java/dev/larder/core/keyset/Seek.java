package dev.larder.core.keyset;

import dev.larder.core.internal.Require;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The rows strictly after a boundary row in a keyset's order, spelled as an OR of ANDs of simple
 * per-key comparisons that any query language renders directly (SQL, a MongoDB filter). Every
 * backend uses this one expansion, so NULL placement is decided in one place.
 *
 * <p>For keys {@code k0..kn} and boundary values {@code v0..vn}, disjunct {@code i} says "keys
 * before {@code i} equal the boundary (IS NULL where it held NULL) and key {@code i} comes after
 * it". Where key {@code i} comes after depends on its null placement: after a value {@code v} a
 * {@code NULLS_LAST} key may also be NULL (a disjunct of its own); after a NULL only {@code
 * NULLS_FIRST} keys have rows left (the non-NULL ones); after a NULL that sorts last nothing
 * follows at that key, so that disjunct is dropped.
 */
public final class Seek {
  private Seek() {}

  /** What a {@link Term} asks of a key's value. */
  public enum Operator {
    /** Equal to the term's value (never NULL). */
    EQUAL,
    /** NULL (in MongoDB: null or missing). */
    IS_NULL,
    /** Not NULL (in MongoDB: present and not null). */
    IS_NOT_NULL,
    /**
     * Not NULL and strictly after the term's value in the key's direction: greater for {@link
     * SortDirection#ASC}, less for {@link SortDirection#DESC}.
     */
    AFTER
  }

  /**
   * One comparison of one key.
   *
   * @param key the sort key (as the plan orders it: reversed for a backward page)
   * @param operator the comparison
   * @param value the boundary value for {@link Operator#EQUAL} and {@link Operator#AFTER}, null for
   *     the NULL tests
   */
  public record Term(SortKey key, Operator operator, @Nullable Object value) {
    /**
     * Checks the term.
     *
     * @param key the sort key
     * @param operator the comparison
     * @param value the boundary value, or null
     * @throws IllegalArgumentException if the value is null for EQUAL or AFTER, or set for a NULL
     *     test
     */
    public Term {
      Require.notNull(key, "key");
      Require.notNull(operator, "operator");
      boolean valued = operator == Operator.EQUAL || operator == Operator.AFTER;
      if (valued != (value != null)) {
        throw new IllegalArgumentException(
            "value must be "
                + (valued ? "set" : "null")
                + " for "
                + operator
                + " but was "
                + (value == null ? "null" : "set"));
      }
    }
  }

  /**
   * The seek condition of a plan that starts from a cursor.
   *
   * @param plan a plan whose {@link KeysetPager.Plan#boundary()} is not null
   * @return the disjuncts (each a conjunction of terms), in key order; empty when no row can follow
   *     the boundary
   * @throws IllegalArgumentException if the plan has no boundary (the first or last page: no
   *     condition at all)
   */
  public static List<List<Term>> disjuncts(KeysetPager.Plan plan) {
    Require.notNull(plan, "plan");
    List<@Nullable Object> boundary = plan.boundary();
    if (boundary == null) {
      throw new IllegalArgumentException("plan must start from a cursor but was " + plan);
    }
    return disjuncts(plan.keys(), boundary);
  }

  /**
   * The seek condition for keys and a boundary row.
   *
   * @param keys the keys in the order the query sorts by
   * @param boundary the boundary row's values in key order, null where it held NULL
   * @return the disjuncts, in key order; empty when no row can follow the boundary
   * @throws IllegalArgumentException if the sizes differ, or a key not declared nullable has a null
   *     boundary value
   */
  public static List<List<Term>> disjuncts(
      List<SortKey> keys, List<? extends @Nullable Object> boundary) {
    Require.notNull(keys, "keys");
    Require.notNull(boundary, "boundary");
    if (keys.size() != boundary.size()) {
      throw new IllegalArgumentException(
          "boundary must have " + keys.size() + " values but had " + boundary.size());
    }
    List<List<Term>> out = new ArrayList<>();
    List<Term> prefix = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      SortKey k = keys.get(i);
      Object v = boundary.get(i);
      boolean nullsLast = k.nulls() == NullOrdering.NULLS_LAST;
      if (v == null) {
        if (!k.nullable()) {
          throw new IllegalArgumentException(
              "boundary value of sort key \"" + k.name() + "\" must not be null but was null");
        }
        if (!nullsLast) {
          out.add(with(prefix, new Term(k, Operator.IS_NOT_NULL, null)));
        }
        prefix.add(new Term(k, Operator.IS_NULL, null));
      } else {
        out.add(with(prefix, new Term(k, Operator.AFTER, v)));
        if (k.nullable() && nullsLast) {
          out.add(with(prefix, new Term(k, Operator.IS_NULL, null)));
        }
        prefix.add(new Term(k, Operator.EQUAL, v));
      }
    }
    return List.copyOf(out);
  }

  private static List<Term> with(List<Term> prefix, Term last) {
    List<Term> d = new ArrayList<>(prefix.size() + 1);
    d.addAll(prefix);
    d.add(last);
    return List.copyOf(d);
  }
}
