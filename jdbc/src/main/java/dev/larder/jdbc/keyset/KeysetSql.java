package dev.larder.jdbc.keyset;

import dev.larder.core.keyset.KeysetPager;
import dev.larder.core.keyset.NullOrdering;
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
   * OR over i of (keys before i equal to the boundary AND key i strictly after it), with a
   * leading bound on the first key when it holds no NULL, so an index on it gives a range scan.
   */
  private static String orChain(List<SortKey> keys, List<@Nullable Object> boundary) {
    List<String> disjuncts = new ArrayList<>();
    StringBuilder equalPrefix = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      SortKey k = keys.get(i);
      String after = after(k, boundary.get(i), param(i));
      if (after != null) {
        disjuncts.add(equalPrefix.length() == 0 ? after : equalPrefix + " AND " + after);
      }
      String eq = boundary.get(i) == null
          ? quote(k.name()) + " IS NULL"
          : quote(k.name()) + " = :" + param(i);
      equalPrefix.append(equalPrefix.length() == 0 ? "" : " AND ").append(eq);
    }
    String chain = disjuncts.isEmpty() ? "FALSE" : "(" + String.join("\n   OR ", disjuncts) + ")";
    SortKey first = keys.get(0);
    if (!first.nullable() && disjuncts.size() > 1) {
      String op = first.direction() == SortDirection.ASC ? " >= :" : " <= :";
      return quote(first.name()) + op + param(0) + "\n  AND " + chain;
    }
    return chain;
  }

  /**
   * The rows whose key comes strictly after {@code v} in the key's order, or null when none can
   * (after a NULL that sorts last).
   */
  static @Nullable String after(SortKey k, @Nullable Object v, String param) {
    String col = quote(k.name());
    String op = k.direction() == SortDirection.ASC ? " > :" : " < :";
    if (!k.nullable()) {
      return col + op + param;
    }
    boolean nullsLast = k.nulls() == NullOrdering.NULLS_LAST;
    if (v == null) {
      // After a NULL: only non-NULLs, and only if NULLs come first.
      return nullsLast ? null : col + " IS NOT NULL";
    }
    return nullsLast ? "(" + col + op + param + " OR " + col + " IS NULL)" : col + op + param;
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
