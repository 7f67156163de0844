package dev.larder.checker;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The verdict of one check over a run's history.
 *
 * @param number the check's number (1-7, as in {@code checker/README.md})
 * @param name a short name
 * @param bound the bound it held the history to, in words with the figures of this run
 * @param violations how many operations (or keys, or resources) broke it
 * @param examples the offending operations, each with its neighbours in the history (all of them)
 * @param figures measured figures (counts, latencies, times), by name
 */
public record CheckResult(
    int number,
    String name,
    String bound,
    int violations,
    List<String> examples,
    Map<String, Object> figures) {

  /** Copies. */
  public CheckResult {
    examples = List.copyOf(examples);
    figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures));
  }

  /**
   * Whether the check held.
   *
   * @return true when nothing broke it
   */
  public boolean passed() {
    return violations == 0;
  }
}
