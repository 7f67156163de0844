package dev.larder.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for the output contract's JSON lines, written apart from {@link Json} so the test
 * does not check the writer with itself: objects, strings, numbers, booleans and null.
 */
final class ContractJson {
  private final String s;
  private int i;

  private ContractJson(String s) {
    this.s = s;
  }

  static Map<String, Object> parseObject(String line) {
    ContractJson p = new ContractJson(line.strip());
    Object v = p.value();
    p.skipSpace();
    if (p.i != p.s.length() || !(v instanceof Map)) {
      throw new IllegalArgumentException("not one JSON object: " + line);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    return m;
  }

  private Object value() {
    skipSpace();
    char c = peek();
    if (c == '{') {
      return object();
    }
    if (c == '"') {
      return string();
    }
    if (s.startsWith("true", i)) {
      i += 4;
      return Boolean.TRUE;
    }
    if (s.startsWith("false", i)) {
      i += 5;
      return Boolean.FALSE;
    }
    if (s.startsWith("null", i)) {
      i += 4;
      return NULL;
    }
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    if (start == i) {
      throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in " + s);
    }
    return Double.parseDouble(s.substring(start, i));
  }

  /** JSON null, kept apart from "absent". */
  static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  private Map<String, Object> object() {
    expect('{');
    Map<String, Object> m = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      skipSpace();
      String key = string();
      skipSpace();
      expect(':');
      if (m.put(key, value()) != null) {
        throw new IllegalArgumentException("duplicate key " + key + " in " + s);
      }
      skipSpace();
      char c = s.charAt(i++);
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw new IllegalArgumentException("expected , or } at " + (i - 1) + " in " + s);
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = s.charAt(i++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\\') {
        char e = s.charAt(i++);
        switch (e) {
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> b.append(e);
        }
      } else {
        b.append(c);
      }
    }
  }

  private void expect(char c) {
    if (peek() != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + i + " in " + s);
    }
    i++;
  }

  private char peek() {
    if (i >= s.length()) {
      throw new IllegalArgumentException("unexpected end of " + s);
    }
    return s.charAt(i);
  }

  private void skipSpace() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }
}
