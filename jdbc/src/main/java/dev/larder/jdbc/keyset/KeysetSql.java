package dev.larder.jdbc.keyset;

import dev.larder.core.keyset.KeysetPager;
import dev.larder.core.keyset.NullOrdering;
import dev.larder.core.keyset.Seek;
import dev.larder.core.keyset.SortDirection;
import dev.larder.core.keyset.SortKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/**
 * Renders the seek query for a plan. Identifiers come from the builder's allow-list (checked
 * against an identifier pattern and double-quoted); every value is a named bind parameter.
 */
final class KeysetSql {
  static final String PARAM_PREFIX = "larder_";
  static final String LIMIT_PARAM = PARAM_PREFIX + "limit";
  static final String ALIAS = "larder_keyset";

  /** The SQL text and the values to bind to its {@code :larder_kN} parameters. */
  record Rendered(String sql, Map<String, Object> arguments, boolean rowValue) {}

  private KeysetSql() {}

  static Rendered render(String baseQuery, KeysetPager.Plan plan) {
    List<SortKey> keys = plan.keys();
    List<@Nullable Object> boundary = plan.boundary();
    Map<String, Object> args = new LinkedHashMap<>();
    String from = "SELECT * FROM (\n" + baseQuery + "\n) AS " + ALIAS;
    StringJoiner order = new StringJoiner(", ", "\nORDER BY ", "");
    for (SortKey k : keys) {
      order.add(orderTerm(k));
    }
    String tail = order + "\nLIMIT :" + LIMIT_PARAM;
    if (boundary == null) {
      return new Rendered(from + tail, args, false);
    }
    for (int i = 0; i < boundary.size(); i++) {
      Object v = boundary.get(i);
      if (v != null) {
        args.put(param(i), v);
      }
    }
    if (rowValueApplies(keys)) {
      return new Rendered(from + "\nWHERE " + rowValuePredicate(keys) + tail, args, true);
    }
    List<String> ranges = orChains(keys, boundary);
    if (ranges.size() == 1) {
      return new Rendered(from + "\nWHERE " + ranges.get(0) + tail, args, false);
    }
    // The rows after the boundary are two index ranges (the non-NULL and the NULL values of the
    // first key): one bounded, ordered, limited scan each, merged in order.
    StringJoiner union =
        new StringJoiner("\n) UNION ALL (\n", "SELECT * FROM ((\n", "\n)) AS " + ALIAS);
    for (String range : ranges) {
      union.add(from + "\nWHERE " + range + tail);
    }
    return new Rendered(union + tail, args, false);
  }

  /** (a, b) > (:a, :b) is exact only when every key goes the same way and none holds NULL. */
  static boolean rowValueApplies(List<SortKey> keys) {
    SortDirection first = keys.get(0).direction();
    for (SortKey k : keys) {
      if (k.nullable() || k.direction() != first) {
        return false;
      }
    }
    return true;
  }

  private static String rowValuePredicate(List<SortKey> keys) {
    StringJoiner cols = new StringJoiner(", ", "(", ")");
    StringJoiner params = new StringJoiner(", ", "(", ")");
    for (int i = 0; i < keys.size(); i++) {
      cols.add(quote(keys.get(i).name()));
      params.add(":" + param(i));
    }
    String op = keys.get(0).direction() == SortDirection.ASC ? " > " : " < ";
    return cols + op + params;
  }

  /**
   * The shared expansion ({@link Seek#disjuncts}) rendered as SQL, one predicate per index range of
   * the first key, each led by a bound on that key that PostgreSQL can use as an index condition:
   * {@code a >= :a} (or {@code <=}) where the first key holds the boundary value or comes after it,
   * {@code a IS NULL} / {@code a IS NOT NULL} where the expansion says so. A nullable first key
   * after a value can need both a value range and the NULLs: two predicates.
   */
  private static List<String> orChains(List<SortKey> keys, List<@Nullable Object> boundary) {
    Map<Seek.Operator, List<String>> byFirstTerm = new java.util.EnumMap<>(Seek.Operator.class);
    for (List<Seek.Term> conjunction : Seek.disjuncts(keys, boundary)) {
      StringJoiner and = new StringJoiner(" AND ");
      for (Seek.Term t : conjunction) {
        and.add(term(t, param(keys.indexOf(t.key()))));
      }
      Seek.Operator first = conjunction.get(0).operator();
      Seek.Operator range = first == Seek.Operator.EQUAL ? Seek.Operator.AFTER : first;
      byFirstTerm.computeIfAbsent(range, o -> new ArrayList<>()).add(and.toString());
    }
    if (byFirstTerm.isEmpty()) {
      return List.of("FALSE");
    }
    SortKey first = keys.get(0);
    List<String> chains = new ArrayList<>();
    byFirstTerm.forEach(
        (range, disjuncts) -> {
          String chain =
              disjuncts.size() == 1
                  ? disjuncts.get(0)
                  : "(" + String.join("\n   OR ", disjuncts) + ")";
          if (range == Seek.Operator.AFTER && disjuncts.size() > 1) {
            String op = first.direction() == SortDirection.ASC ? " >= :" : " <= :";
            chain = quote(first.name()) + op + param(0) + "\n  AND " + chain;
          } else if (range == Seek.Operator.IS_NULL && disjuncts.size() > 1) {
            chain = quote(first.name()) + " IS NULL\n  AND " + chain;
          }
          chains.add(chain);
        });
    return chains;
  }

  /** One comparison; the value, if any, is bound as {@code :param}. */
  static String term(Seek.Term t, String param) {
    String col = quote(t.key().name());
    return switch (t.operator()) {
      case EQUAL -> col + " = :" + param;
      case IS_NULL -> col + " IS NULL";
      case IS_NOT_NULL -> col + " IS NOT NULL";
      case AFTER -> col + (t.key().direction() == SortDirection.ASC ? " > :" : " < :") + param;
      default -> throw new IllegalStateException("unknown operator " + t.operator());
    };
  }

  private static String orderTerm(SortKey k) {
    String term = quote(k.name()) + " " + k.direction();
    if (!k.nullable()) {
      return term; // PostgreSQL's default placement, which a backward index scan reverses
    }
    return term + (k.nulls() == NullOrdering.NULLS_FIRST ? " NULLS FIRST" : " NULLS LAST");
  }

  static String param(int i) {
    return PARAM_PREFIX + "k" + i;
  }

  static String quote(String identifier) {
    return '"' + identifier + '"';
  }
}
