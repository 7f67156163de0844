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
    StringBuilder sql = new StringBuilder("SELECT * FROM (\n").append(baseQuery)
        .append("\n) AS ").append(ALIAS);
    boolean rowValue = false;
    if (boundary != null) {
      for (int i = 0; i < boundary.size(); i++) {
        Object v = boundary.get(i);
        if (v != null) {
          args.put(param(i), v);
        }
      }
      rowValue = rowValueApplies(keys);
      sql.append("\nWHERE ").append(rowValue ? rowValuePredicate(keys) : orChain(keys, boundary));
    }
    StringJoiner order = new StringJoiner(", ", "\nORDER BY ", "");
    for (SortKey k : keys) {
      order.add(orderTerm(k));
    }
    sql.append(order).append("\nLIMIT :").append(LIMIT_PARAM);
    return new Rendered(sql.toString(), args, rowValue);
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
   * The shared expansion ({@link Seek#disjuncts}) rendered as SQL, with a leading bound on the
   * first key when it holds no NULL, so an index on it gives a range scan.
   */
  private static String orChain(List<SortKey> keys, List<@Nullable Object> boundary) {
    List<String> disjuncts = new ArrayList<>();
    for (List<Seek.Term> conjunction : Seek.disjuncts(keys, boundary)) {
      StringJoiner and = new StringJoiner(" AND ");
      for (Seek.Term t : conjunction) {
        and.add(term(t, param(keys.indexOf(t.key()))));
      }
      disjuncts.add(and.toString());
    }
    String chain = disjuncts.isEmpty() ? "FALSE" : "(" + String.join("\n   OR ", disjuncts) + ")";
    SortKey first = keys.get(0);
    if (!first.nullable() && disjuncts.size() > 1) {
      String op = first.direction() == SortDirection.ASC ? " >= :" : " <= :";
      return quote(first.name()) + op + param(0) + "\n  AND " + chain;
    }
    return chain;
  }

  /** One comparison; the value, if any, is bound as {@code :param}. */
  static String term(Seek.Term t, String param) {
    String col = quote(t.key().name());
    switch (t.operator()) {
      case EQUAL:
        return col + " = :" + param;
      case IS_NULL:
        return col + " IS NULL";
      case IS_NOT_NULL:
        return col + " IS NOT NULL";
      case AFTER:
        return col + (t.key().direction() == SortDirection.ASC ? " > :" : " < :") + param;
      default:
        throw new IllegalStateException("unknown operator " + t.operator());
    }
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
