package dev.larder.core;

/**
 * Something that emits {@link InvalidationEvent}s: a transactional outbox in PostgreSQL
 * (larder-jdbc), a change stream in MongoDB (larder-mongo), or a cache's own pub/sub bus.
 *
 * <p>A source delivers events only for changes that were committed, in commit order, at least once
 * where it can (an outbox replays from its last position after a disconnect); where it cannot rule
 * out a loss it calls {@link InvalidationListener#onGap(String)} instead of staying silent.
 * Closing the source stops delivery to every subscriber and releases its resources.
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
