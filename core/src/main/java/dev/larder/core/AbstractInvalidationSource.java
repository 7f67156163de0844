package dev.larder.core;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The skeleton of an {@link InvalidationSource} that reads a database on one background thread and
 * reconnects after failures: for implementers of sources (larder-jdbc's outbox reader,
 * larder-mongo's change-stream reader), not for callers, who only ever see {@link
 * InvalidationSource}.
 *
 * <p>This class owns what every such source must get right the same way:
 *
 * <ul>
 *   <li><b>Listeners.</b> {@link #subscribe} registers a listener and returns a {@link
 *       Subscription} that removes it; {@link #deliver} and {@link #gap} call every current
 *       listener in turn.
 *   <li><b>Acknowledgement.</b> An event (or gap notice) is acknowledged when {@link #deliver} (or
 *       {@link #gap}) returns: every listener applied it. A listener that throws did <em>not</em>
 *       apply it (see {@link InvalidationListener}); the remaining listeners are still called, then
 *       the call throws {@link NotApplied}. A subclass lets that propagate out of {@link
 *       #runSession()} without moving its position (in memory or stored) past the event, so the
 *       session ends and the next one re-reads from the last acknowledged position, after the
 *       {@link ReconnectBackoff} delay of the number of consecutive refusals. Delivery is therefore
 *       at least once: the listeners that did apply the event get it again. The first refusal of a
 *       streak is logged once at WARN, without a stack trace (the listener's exception goes to
 *       DEBUG), the end of the streak at INFO, and every refusal is counted in {@link
 *       #refusedDeliveries()}.
 *   <li><b>The reader thread.</b> One daemon thread named {@code larder-<name>}, started by the
 *       first {@code subscribe} (building a source opens nothing). It calls {@link #runSession()}
 *       in a loop: a session connects and reads until the source is closed (it returns) or the
 *       connection fails or a listener refuses (it throws). After a failure the thread waits for
 *       the {@link ReconnectBackoff} delay of the number of consecutive failures (or refusals), and
 *       wakes at once if the source is closed meanwhile.
 *   <li><b>Readiness.</b> {@link #awaitReady} returns once a session called {@link #connected()}
 *       for the first time, so a subclass calls it only after its read position is fixed (and after
 *       any gap it owes from start-up was handled).
 *   <li><b>Closing.</b> {@link #close()} is idempotent: it stops the loop, calls {@link #wakeUp()}
 *       so a session blocked in I/O notices, waits up to the close timeout for the thread to end
 *       (unless called from the reader thread itself), then drops every listener. {@code subscribe}
 *       after {@code close} throws {@link IllegalStateException}; {@code deliver} and {@code gap}
 *       after {@code close} reach no listener and throw {@link NotApplied}, so nothing is
 *       acknowledged that nobody applied.
 * </ul>
 *
 * <p>Gaps follow one rule a subclass must keep: report a gap only once the position it will read
 * from next is fixed (a gap says "anything before here may be lost"; reported earlier, a change
 * committed between the notice and the position would be lost unnoticed), and keep owing it until
 * {@link #gap} returned: a refused gap must be reported again by a later session.
 *
 * <p>Every hook except {@link #wakeUp()} runs on the reader thread, so a subclass keeps its
 * position (an outbox cursor, a resume token) in plain fields that only that thread touches. State
 * changes are logged through the subclass's logger, so log configuration by source class keeps
 * working.
 */
public abstract class AbstractInvalidationSource implements InvalidationSource {
  private final String name;
  private final ReconnectBackoff backoff;
  private final Duration closeTimeout;
  private final Logger log;

  private final CopyOnWriteArrayList<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch closeSignal = new CountDownLatch(1);

  /** Counted down by the first {@link #connected()} or by {@link #close()}. */
  private final CountDownLatch readySignal = new CountDownLatch(1);

  private final Thread thread;
  private final AtomicLong refusals = new AtomicLong();

  // Owned by the reader thread.
  private int failedAttempts;

  /** Consecutive deliveries a listener refused; back to 0 once one is acknowledged. */
  private int refusalStreak;

  /**
   * Prepares the source; nothing runs until the first {@link #subscribe}.
   *
   * @param name the source's {@link #name()}, also the reader thread's name after {@code larder-};
   *     not blank
   * @param backoff the delays between reconnect attempts
   * @param closeTimeout how long {@link #close()} waits for the reader thread to end, {@code > 0};
   *     at least the longest a session can block before it sees the source closed
   * @param log where state changes are logged (the public source type's logger)
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank or {@code closeTimeout} not positive
   */
  protected AbstractInvalidationSource(
      String name, ReconnectBackoff backoff, Duration closeTimeout, Logger log) {
    Require.notNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
    this.name = name;
    this.backoff = Require.notNull(backoff, "backoff");
    this.closeTimeout = Require.positive(closeTimeout, "closeTimeout");
    this.log = Require.notNull(log, "log");
    this.thread = new Thread(this::run, "larder-" + name);
    this.thread.setDaemon(true);
  }

  @Override
  public final String name() {
    return name;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The first call starts the reader thread.
   */
  @Override
  public final Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener must not be null");
    if (closed.get()) {
      throw new IllegalStateException("source " + name + " is closed");
    }
    listeners.add(listener);
    if (started.compareAndSet(false, true)) {
      thread.start();
    }
    return () -> listeners.remove(listener);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Ready means a session called {@link #connected()}: the subclass has fixed its read position.
   */
  @Override
  public final boolean awaitReady(Duration timeout) throws InterruptedException {
    Require.nonNegative(timeout, "timeout");
    if (!started.get() && !closed.get()) {
      throw new IllegalStateException(
          "source " + name + " has no subscriber yet: its reader starts on the first subscribe");
    }
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException tooLong) {
      nanos = Long.MAX_VALUE;
    }
    return readySignal.await(nanos, TimeUnit.NANOSECONDS) && !closed.get();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Returns once the reader thread has ended or the close timeout has passed, whichever comes
   * first; after it returns no listener of this source is called again.
   */
  @Override
  public final void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeSignal.countDown();
    readySignal.countDown();
    try {
      wakeUp();
    } catch (RuntimeException e) {
      log.debug("{}: waking the reader on close failed", name, e);
    }
    if (started.get() && Thread.currentThread() != thread) {
      try {
        thread.join(Math.max(1, closeTimeout.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    listeners.clear();
    log.info("{}: closed", name);
  }

  /**
   * One connection's life, on the reader thread: connect, fix the position, report a gap it owes,
   * call {@link #connected()}, then read and {@link #deliver} until {@link #isClosed()} (return) or
   * a failure (throw), moving the position only past what {@code deliver} returned from. Must
   * release what it opened before it returns or throws. Called again after a return while the
   * source is open, and after a failure or refusal once the backoff delay has passed.
   *
   * @throws Exception when the connection or a read fails, or {@link NotApplied} when a listener
   *     refused; the source then reconnects and re-reads from its last acknowledged position
   */
  protected abstract void runSession() throws Exception;

  /**
   * Called on the reader thread after {@link #runSession()} failed while the source is open (not
   * after a refused delivery, which this class logs itself), before the backoff wait: log the
   * failure in the source's words (one warning, with what it will resume from). If the reconnect
   * cannot replay what it missed, remember that a gap is owed and report it from the next session
   * once its position is fixed; reporting it here, before the reconnect, would leave the changes
   * made during the wait uncovered.
   *
   * @param failure what the session threw
   * @param failedAttempts consecutive failures including this one, 1 for the first
   * @param retryIn how long the reader will wait before the next session
   */
  protected abstract void sessionFailed(Exception failure, int failedAttempts, Duration retryIn);

  /**
   * Called on the reader thread before {@link #sessionFailed}: whether this failure is one the
   * source has already dealt with (e.g. its position was lost: it starts again from the current end
   * and owes a {@link #gap}, reported by the next session) and wants a new session at once, without
   * counting a failed attempt or waiting. Default false.
   *
   * @param failure what the session threw
   * @return true to start the next session at once
   */
  protected boolean reconnectAtOnce(Exception failure) {
    return false;
  }

  /**
   * Called by {@link #close()} on the closing thread, after the source is marked closed: unblock a
   * session waiting in I/O (e.g. abort its connection) so the reader ends promptly. Must not block.
   * Default: nothing, for sessions that poll {@link #isClosed()} often enough.
   */
  protected void wakeUp() {}

  /**
   * Called once on the reader thread when it ends after {@link #close()}: a last chance to save the
   * position. Default: nothing.
   */
  protected void onStopped() {}

  /**
   * Marks the session as connected: the count of consecutive failures starts again from zero, and
   * the first call makes {@link #awaitReady} return true. Call from {@link #runSession()} once the
   * connection works and the read position is fixed (changes committed afterwards will be read).
   *
   * @return the number of consecutive failed attempts before this success (0 at the first connect),
   *     for the "reconnected after n attempts" log line
   */
  protected final int connected() {
    int failures = failedAttempts;
    failedAttempts = 0;
    readySignal.countDown();
    return failures;
  }

  /**
   * Calls {@link InvalidationListener#onInvalidation} on every current listener. Returns when each
   * applied the event: the event is acknowledged and the caller may move its position past it.
   *
   * @param event the event
   * @throws NotApplied if a listener threw (the others were still called) or the source is closed;
   *     the caller must not move its position past the event and lets this end the session
   */
  protected final void deliver(InvalidationEvent event) {
    offer(event, null);
  }

  /**
   * Logs a gap and calls {@link InvalidationListener#onGap} on every current listener. Returns when
   * each handled it. Call it only once the position the source reads from next is fixed.
   *
   * @param reason why events may have been lost; never contains secrets
   * @throws NotApplied if a listener threw (the others were still called) or the source is closed;
   *     the source still owes the gap and must report it again in a later session
   */
  protected final void gap(String reason) {
    if (closed.get()) {
      throw new NotApplied("source " + name + " is closed: not delivered");
    }
    if (refusalStreak == 0) {
      log.warn("{}: gap: {}", name, reason);
    } else {
      log.debug("{}: gap, reported again: {}", name, reason);
    }
    offer(null, reason);
  }

  private void offer(@Nullable InvalidationEvent event, @Nullable String gapReason) {
    if (closed.get()) {
      throw new NotApplied("source " + name + " is closed: not delivered");
    }
    @Nullable RuntimeException firstRefusal = null;
    @Nullable InvalidationListener refusedBy = null;
    for (InvalidationListener listener : listeners) {
      try {
        if (event != null) {
          listener.onInvalidation(event);
        } else {
          listener.onGap(java.util.Objects.requireNonNull(gapReason));
        }
      } catch (RuntimeException e) {
        log.debug("{}: listener {} did not apply {}", name, listener, describe(event), e);
        if (firstRefusal == null) {
          firstRefusal = e;
          refusedBy = listener;
        }
      }
    }
    if (firstRefusal != null) {
      refusals.incrementAndGet();
      throw new NotApplied(refusedBy, describe(event), firstRefusal);
    }
    if (closed.get()) {
      // close() may have given up waiting and dropped the listeners meanwhile.
      throw new NotApplied("source " + name + " is closed: not delivered");
    }
    if (refusalStreak > 0) {
      log.info("{}: listeners applied again after {} refused deliveries", name, refusalStreak);
      refusalStreak = 0;
    }
  }

  private static String describe(@Nullable InvalidationEvent event) {
    if (event == null) {
      return "a gap notice";
    }
    return "an event for cache '"
        + event.cacheName()
        + "'"
        + (event.position() != null ? " at position " + event.position() : "")
        + (event.all() ? " (whole cache)" : " (" + event.keys().size() + " key(s))");
  }

  /**
   * How many deliveries (events or gap notices) at least one listener refused since the source was
   * built; each was redelivered later. For metrics and tests.
   *
   * @return the count
   */
  public final long refusedDeliveries() {
    return refusals.get();
  }

  /**
   * Where the next session will re-read from, for the log line of a refused delivery, e.g. {@code
   * "position 812:4410"}; called on the reader thread. Default: {@code "its last acknowledged
   * position"}.
   *
   * @return a short description, never containing secrets
   */
  protected String resumePoint() {
    return "its last acknowledged position";
  }

  /**
   * How many deliveries in a row were refused, 0 once one is acknowledged: lets a subclass log the
   * re-reads that follow a refusal quietly. Reader thread only.
   *
   * @return the current streak
   */
  protected final int refusalStreak() {
    return refusalStreak;
  }

  /**
   * Whether {@link #close()} was called. A session checks it between reads and returns once it is
   * true.
   *
   * @return whether the source is closed
   */
  protected final boolean isClosed() {
    return closed.get();
  }

  /**
   * Whether the reader thread was started and has ended (for tests and diagnosis).
   *
   * @return whether the reader has stopped
   */
  protected final boolean readerStopped() {
    return started.get() && !thread.isAlive();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + name + "]";
  }

  private void run() {
    while (!closed.get()) {
      Duration delay;
      try {
        runSession();
        continue;
      } catch (NotApplied refused) {
        if (closed.get()) {
          break;
        }
        delay = refused(refused);
      } catch (Exception e) {
        if (closed.get()) {
          break;
        }
        try {
          if (reconnectAtOnce(e)) {
            continue;
          }
          failedAttempts++;
          delay = backoff.delay(failedAttempts);
          sessionFailed(e, failedAttempts, delay);
        } catch (NotApplied refused) {
          // A hook reported a gap and a listener refused it: the subclass still owes it.
          delay = refused(refused);
        }
      }
      try {
        if (closeSignal.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
          break;
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    onStopped();
  }

  /** Counts a refusal in the streak, logs it, and returns how long to wait before re-reading. */
  private Duration refused(NotApplied refused) {
    refusalStreak++;
    Duration delay = backoff.delay(refusalStreak);
    if (refusalStreak == 1) {
      Throwable cause = refused.getCause();
      log.warn(
          "{}: listener {} did not apply {} ({}); not acknowledged: re-reading from {} in {} ms,"
              + " and again with backoff until it is applied",
          name,
          refused.listener(),
          refused.what(),
          cause != null ? cause.getClass().getSimpleName() + ": " + cause.getMessage() : "closed",
          resumePoint(),
          delay.toMillis());
    } else {
      log.debug(
          "{}: {} refused again ({} in a row); re-reading in {} ms",
          name,
          refused.what(),
          refusalStreak,
          delay.toMillis());
    }
    return delay;
  }

  /**
   * Thrown by {@link #deliver} and {@link #gap} when an event or gap notice was not applied: a
   * listener threw (the cause), or the source is closed. A subclass lets it end the session without
   * moving its position past what was not applied; the reader then waits and re-reads. Subclasses
   * must not swallow it.
   */
  protected static final class NotApplied extends LarderException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable InvalidationListener listener;

    /** What was not applied (an event or a gap notice), for the message. */
    private final String what;

    NotApplied(String message) {
      super(message);
      this.listener = null;
      this.what = "nothing";
    }

    NotApplied(@Nullable InvalidationListener listener, String what, Throwable cause) {
      super("listener " + listener + " did not apply " + what + ": " + cause, cause);
      this.listener = listener;
      this.what = what;
    }

    /**
     * The first listener that refused, or null when the source was closed.
     *
     * @return the listener
     */
    @Nullable InvalidationListener listener() {
      return listener;
    }

    /**
     * What was not applied, for the log.
     *
     * @return e.g. {@code "an event for cache 'products' at position 812:4410 (3 key(s))"}
     */
    String what() {
      return what;
    }
  }
}
