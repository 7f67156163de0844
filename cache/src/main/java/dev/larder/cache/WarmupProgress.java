package dev.larder.cache;

/**
 * How far a {@link LarderCache#warm warm-up} has got; the last report is also its result.
 *
 * @param total keys asked for (after removing duplicates)
 * @param done keys whose batch has finished, successfully or not
 * @param present keys now cached with a value
 * @param absent keys the loader reported missing (negatively cached)
 * @param failed keys whose batch failed and had no stale value
 */
public record WarmupProgress(int total, int done, int present, int absent, int failed) {

  /**
   * Whether every batch has finished.
   *
   * @return {@code done == total}
   */
  public boolean isComplete() {
    return done == total;
  }
}
