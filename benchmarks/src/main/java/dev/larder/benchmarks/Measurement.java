package dev.larder.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One metric of one scenario, measured for Larder and for its anchor in the same run.
 *
 * <p>Printed as the scenario's machine-readable line: {@code {"scenario": ..., "metric": ...,
 * "unit": ..., "larder": n, "anchor": n, "anchor_name": ..., "ratio": larder/anchor, "params":
 * {...}}}. The ratio is {@code NaN} (printed as {@code null}) when the anchor is zero.
 *
 * @param scenario the scenario's name, e.g. {@code stampede}
 * @param metric what was measured, e.g. {@code loader_calls}
 * @param unit the unit of both values, e.g. {@code calls}, {@code ms}, {@code ops/s}
 * @param larder Larder's value
 * @param anchor the anchor's value
 * @param anchorName what Larder was compared with, e.g. {@code naive cache-aside}
 * @param params the scenario's parameters (sizes, thread counts), in insertion order
 */
public record Measurement(
    String scenario,
    String metric,
    String unit,
    double larder,
    double anchor,
    String anchorName,
    Map<String, Object> params) {

  /** Copies the parameters and checks the names. */
  public Measurement {
    Objects.requireNonNull(scenario, "scenario must not be null");
    Objects.requireNonNull(metric, "metric must not be null");
    Objects.requireNonNull(unit, "unit must not be null");
    Objects.requireNonNull(anchorName, "anchorName must not be null");
    params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
  }

  /**
   * Larder's value divided by the anchor's.
   *
   * @return the ratio, {@code NaN} when the anchor is zero
   */
  public double ratio() {
    return anchor == 0 ? Double.NaN : larder / anchor;
  }

  /**
   * The contract's JSON line.
   *
   * @return one JSON object on one line
   */
  public String toJson() {
    StringBuilder b = new StringBuilder(160).append('{');
    Json.field(b, "scenario", scenario).append(", ");
    Json.field(b, "metric", metric).append(", ");
    Json.field(b, "unit", unit).append(", ");
    Json.field(b, "larder", larder).append(", ");
    Json.field(b, "anchor", anchor).append(", ");
    Json.field(b, "anchor_name", anchorName).append(", ");
    Json.field(b, "ratio", ratio()).append(", ");
    Json.string(b, "params").append(": ");
    Json.object(b, params);
    return b.append('}').toString();
  }
}
