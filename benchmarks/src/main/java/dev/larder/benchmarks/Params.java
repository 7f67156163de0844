package dev.larder.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds a scenario's {@code params} object in order. */
public final class Params {
  private final Map<String, Object> map = new LinkedHashMap<>();

  /**
   * Starts with the quick flag, which every scenario reports.
   *
   * @param quick whether the run used CI sizes
   * @return the params
   */
  public static Params quick(boolean quick) {
    Params p = new Params();
    p.map.put("quick", quick);
    return p;
  }

  /**
   * Adds a parameter.
   *
   * @param name its name
   * @param value a number, boolean or string
   * @return this
   */
  public Params with(String name, Object value) {
    map.put(name, value);
    return this;
  }

  /**
   * A copy with one more parameter.
   *
   * @param name its name
   * @param value its value
   * @return a new params
   */
  public Params plus(String name, Object value) {
    Params p = new Params();
    p.map.putAll(map);
    p.map.put(name, value);
    return p;
  }

  /**
   * The map for a {@link Measurement}.
   *
   * @return a copy, in insertion order
   */
  public Map<String, Object> map() {
    return new LinkedHashMap<>(map);
  }
}
