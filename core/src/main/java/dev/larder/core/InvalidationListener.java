package dev.larder.core;

/**
 * Receives what an {@link InvalidationSource} emits. Implemented by caches.
 *
 * <p>Calls come from the source's own thread, one at a time, in the source's order. An
 * implementation must be quick (drop entries, do no I/O that can block for long) and should not
 * throw; a source logs and skips a listener's exception rather than stop delivering.
 */
public interface InvalidationListener {

  /**
   * Applies one event.
   *
   * @param event what changed
   */
  void onInvalidation(InvalidationEvent event);

  /**
   * Says that events may have been lost: the source was disconnected, could not resume from its
   * last position, or detected a gap in sequence numbers. A cache must then treat every entry it
   * holds for this source's caches as suspect (clear or revalidate), because staleness is only
   * bounded if gaps are acted on.
   *
   * @param reason why, for the log; never contains secrets
   */
  void onGap(String reason);
}
