package dev.larder.core;

/**
 * Something that emits {@link InvalidationEvent}s: a transactional outbox in PostgreSQL
 * (larder-jdbc), a change stream in MongoDB (larder-mongo), or a cache's own pub/sub bus.
 *
 * <p>A source delivers events only for changes that were committed, in commit order, at least once
 * where it can (an outbox replays from its last position after a disconnect); where it cannot rule
 * out a loss it calls {@link InvalidationListener#onGap(String)} instead of staying silent. An
 * event counts as delivered only when every listener returned from it; one that a listener refused
 * (threw) is delivered again and the source's position never moves past it (see {@link
 * InvalidationListener}). Closing the source stops delivery to every subscriber and releases its
 * resources.
 */
public interface InvalidationSource extends AutoCloseable {

  /**
   * A stable name for logs and metrics, e.g. {@code "pg-outbox:catalog"}.
   *
   * @return the name
   */
  String name();

  /**
   * Starts delivering events to a listener until the returned subscription is closed.
   *
   * @param listener receives events and gap notices
   * @return a handle that stops delivery to this listener when closed
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if the source was closed
   */
  Subscription subscribe(InvalidationListener listener);

  /**
   * Waits until the source reads: its reader has connected and fixed the position it reads from, so
   * every change committed after this returns {@code true} is delivered to the subscribers (at
   * least once). A source starts reading on its first {@link #subscribe}, in the background; a
   * change committed between that call and the reader's connect is delivered only if the source
   * replays from a stored position (a source that cannot replay reports a gap at its start, before
   * it is ready). Call this after {@code subscribe} at start-up, before serving reads from a cache
   * the source invalidates, so no change slips through that window.
   *
   * @param timeout how long to wait, {@code >= 0}
   * @return {@code true} once the source reads; {@code false} if the timeout passed first (the
   *     database is unreachable, or a listener keeps refusing the gap a source without a stored
   *     position reports at its start: the source keeps trying) or the source was closed
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if nothing subscribed yet (the reader has not been started)
   * @throws InterruptedException if the calling thread was interrupted while waiting
   */
  boolean awaitReady(java.time.Duration timeout) throws InterruptedException;

  /** Stops delivery to every subscriber and releases connections and threads. Idempotent. */
  @Override
  void close();

  /** Stops delivery to one listener. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    /** Stops delivery to the listener this subscription was made for. Idempotent. */
    @Override
    void close();
  }
}
