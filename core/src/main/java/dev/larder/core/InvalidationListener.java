package dev.larder.core;

/**
 * Receives what an {@link InvalidationSource} emits. Implemented by caches.
 *
 * <p>Calls come from the source's own thread, one at a time, in the source's order. An
 * implementation must be quick (drop entries, do no I/O that can block for long).
 *
 * <p><b>Returning acknowledges, throwing refuses.</b> When a call returns, the listener has applied
 * the event (or handled the gap) and the source may move its position past it, in memory and in
 * storage. A call that throws says "this was <em>not</em> applied" (for example larder-cache throws
 * {@code InvalidationPendingException} when the invalidation could not reach Redis): the source
 * does not acknowledge it, never moves its position past it, and delivers it again, after a
 * backoff, from its last acknowledged position, until every listener applied it. Delivery is at
 * least once: other listeners of the same source, and this one, may get an event again, so applying
 * must be idempotent (an invalidation is). A listener that throws for good stalls its source, so
 * throw only for failures that pass (a bug should be fixed, not retried forever); give listeners
 * that fail independently their own source.
 */
public interface InvalidationListener {

  /**
   * Applies one event.
   *
   * @param event what changed
   * @throws RuntimeException (any) if the event was not applied; the source redelivers it
   */
  void onInvalidation(InvalidationEvent event);

  /**
   * Says that events may have been lost: the source was disconnected, could not resume from its
   * last position, or detected a gap in sequence numbers. A cache must then treat every entry it
   * holds for this source's caches as suspect (clear or revalidate), because staleness is only
   * bounded if gaps are acted on.
   *
   * <p>Throwing means the gap was not handled: the source reports it again later and does not move
   * on as if it had been.
   *
   * @param reason why, for the log; never contains secrets
   * @throws RuntimeException (any) if the gap was not handled; the source reports it again
   */
  void onGap(String reason);
}
