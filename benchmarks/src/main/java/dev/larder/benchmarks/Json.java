package dev.larder.benchmarks;

import java.util.Map;

/** The little JSON the output contract needs: flat objects of strings, numbers and booleans. */
final class Json {
  private Json() {}

  static StringBuilder field(StringBuilder b, String name, Object value) {
    string(b, name).append(": ");
    return value(b, value);
  }

  static StringBuilder value(StringBuilder b, Object value) {
    if (value instanceof Double d) {
      return number(b, d);
    }
    if (value instanceof Float f) {
      return number(b, f.doubleValue());
    }
    if (value instanceof Number || value instanceof Boolean) {
      return b.append(value);
    }
    if (value instanceof Map<?, ?> m) {
      return object(b, m);
    }
    return string(b, String.valueOf(value));
  }

  static StringBuilder number(StringBuilder b, double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return b.append("null");
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return b.append((long) d);
    }
    return b.append(Double.toString(d));
  }

  static StringBuilder object(StringBuilder b, Map<?, ?> map) {
    b.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!first) {
        b.append(", ");
      }
      first = false;
      field(b, String.valueOf(e.getKey()), e.getValue());
    }
    return b.append('}');
  }

  static StringBuilder string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }
}
