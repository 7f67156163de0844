package dev.larder.jdbc.invalidation;

import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Validation and quoting of the few names that end up in generated SQL. Only names matching a
 * strict pattern are accepted, so generated DDL never carries caller text that could change its
 * meaning; they are still double-quoted so reserved words work.
 */
final class SqlNames {
  /** Lower-case, unquoted-style PostgreSQL identifiers: 1..63 characters. */
  static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** Cache names written into trigger arguments (string literals). */
  static final Pattern CACHE_NAME = Pattern.compile("[A-Za-z0-9_.:\\-]{1,100}");

  private SqlNames() {}

  /**
   * Checks one identifier.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  static String identifier(@Nullable String value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (!IDENTIFIER.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + " must match " + IDENTIFIER.pattern() + " but was '" + value + "'");
    }
    return value;
  }

  /**
   * Checks a cache name that will be written into SQL as a literal.
   *
   * @throws IllegalArgumentException naming the field and the value
   */
  static String cacheName(@Nullable String value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (!CACHE_NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field + " must match " + CACHE_NAME.pattern() + " but was '" + value + "'");
    }
    return value;
  }

  static String quote(String identifier) {
    return '"' + identifier + '"';
  }

  /** A literal for a value already checked against one of the patterns above (no quotes inside). */
  static String literal(String checked) {
    return '\'' + checked + '\'';
  }

  /** A possibly schema-qualified table (or function) name. */
  record QualifiedName(@Nullable String schema, String name) {

    /**
     * Parses {@code name} or {@code schema.name}, each part checked against {@link #IDENTIFIER}.
     *
     * @param maxNameLength the longest the last part may be (derived names append suffixes)
     */
    static QualifiedName parse(@Nullable String value, String field, int maxNameLength) {
      Objects.requireNonNull(value, () -> field + " must not be null");
      int dot = value.indexOf('.');
      String schema = dot < 0 ? null : value.substring(0, dot);
      String name = dot < 0 ? value : value.substring(dot + 1);
      if ((schema != null && !IDENTIFIER.matcher(schema).matches())
          || !IDENTIFIER.matcher(name).matches()) {
        throw new IllegalArgumentException(
            field
                + " must be name or schema.name, each matching "
                + IDENTIFIER.pattern()
                + ", but was '"
                + value
                + "'");
      }
      if (name.length() > maxNameLength) {
        throw new IllegalArgumentException(
            field
                + " must have a name of at most "
                + maxNameLength
                + " characters but was '"
                + value
                + "'");
      }
      return new QualifiedName(schema, name);
    }

    /** The same schema with another (derived) name. */
    QualifiedName sibling(String suffix) {
      return new QualifiedName(schema, name + suffix);
    }

    /** The quoted, possibly qualified form for SQL. */
    String sql() {
      return schema == null ? quote(name) : quote(schema) + "." + quote(name);
    }

    @Override
    public String toString() {
      return schema == null ? name : schema + "." + name;
    }
  }
}
