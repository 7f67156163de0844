package dev.larder.core;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;

/**
 * The skeleton of an {@link InvalidationSource} that reads a database on one background thread
 * and reconnects after failures: for implementers of sources (larder-jdbc's outbox reader,
 * larder-mongo's change-stream reader), not for callers, who only ever see
 * {@link InvalidationSource}.
 *
 * <p>This class owns what every such source must get right the same way:
 *
 * <ul>
 *   <li><b>Listeners.</b> {@link #subscribe} registers a listener and returns a
 *       {@link Subscription} that removes it; {@link #deliver} and {@link #gap} call every current
 *       listener in turn, and a listener that throws is logged and skipped, never allowed to stop
 *       delivery to the others or to kill the reader.
 *   <li><b>The reader thread.</b> One daemon thread named {@code larder-<name>}, started by the
 *       first {@code subscribe} (building a source opens nothing). It calls
 *       {@link #runSession()} in a loop: a session connects and reads until the source is closed
 *       (it returns) or the connection fails (it throws). After a failure the thread waits for
 *       the {@link ReconnectBackoff} delay of the number of consecutive failures, and wakes at once
 *       if the source is closed meanwhile.
 *   <li><b>Readiness.</b> {@link #awaitReady} returns once a session called {@link #connected()}
 *       for the first time, so a subclass calls it only after its read position is fixed.
 *   <li><b>Closing.</b> {@link #close()} is idempotent: it stops the loop, calls
 *       {@link #wakeUp()} so a session blocked in I/O notices, waits up to the close timeout for
 *       the thread to end (unless called from the reader thread itself), then drops every
 *       listener. {@code subscribe} after {@code close} throws {@link IllegalStateException}.
 * </ul>
 *
 * <p>Every hook except {@link #wakeUp()} runs on the reader thread, so a subclass keeps its
 * position (an outbox cursor, a resume token) in plain fields that only that thread touches.
 * State changes are logged through the subclass's logger, so log configuration by source class
 * keeps working.
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

  // Owned by the reader thread.
  private int failedAttempts;

  /**
   * Prepares the source; nothing runs until the first {@link #subscribe}.
   *
   * @param name the source's {@link #name()}, also the reader thread's name after
   *     {@code larder-}; not blank
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
   * One connection's life, on the reader thread: connect, call {@link #connected()}, then read
   * and {@link #deliver} until {@link #isClosed()} (return) or a failure (throw). Must release
   * what it opened before it returns or throws. Called again after a return while the source is
   * open, and after a failure once the backoff delay has passed.
   *
   * @throws Exception when the connection or a read fails; the source then reconnects
   */
  protected abstract void runSession() throws Exception;

  /**
   * Called on the reader thread after {@link #runSession()} failed while the source is open,
   * before the backoff wait: log the failure in the source's words (one warning, with what it will
   * resume from) and report a {@link #gap} if the reconnect cannot replay what it missed.
   *
   * @param failure what the session threw
   * @param failedAttempts consecutive failures including this one, 1 for the first
   * @param retryIn how long the reader will wait before the next session
   */
  protected abstract void sessionFailed(Exception failure, int failedAttempts, Duration retryIn);

  /**
   * Called on the reader thread before {@link #sessionFailed}: whether this failure is one the
   * source has already dealt with (e.g. its position was lost and it reported a {@link #gap}) and
   * wants a new session at once, without counting a failed attempt or waiting. Default false.
   *
   * @param failure what the session threw
   * @return true to start the next session at once
   */
  protected boolean reconnectAtOnce(Exception failure) {
    return false;
  }

  /**
   * Called by {@link #close()} on the closing thread, after the source is marked closed: unblock a
   * session waiting in I/O (e.g. abort its connection) so the reader ends promptly. Must not
   * block. Default: nothing, for sessions that poll {@link #isClosed()} often enough.
   */
  protected void wakeUp() {}

  /**
   * Called once on the reader thread when it ends after {@link #close()}: a last chance to save
   * the position. Default: nothing.
   */
  protected void onStopped() {}

  /**
   * Marks the session as connected: the count of consecutive failures starts again from zero, and
   * the first call makes {@link #awaitReady} return true. Call from {@link #runSession()} once
   * the connection works and the read position is fixed (changes committed afterwards will be
   * read).
   *
   * @return the number of consecutive failed attempts before this success (0 at the first
   *     connect), for the "reconnected after n attempts" log line
   */
  protected final int connected() {
    int failures = failedAttempts;
    failedAttempts = 0;
    readySignal.countDown();
    return failures;
  }

  /**
   * Calls {@link InvalidationListener#onInvalidation} on every current listener; one that throws
   * is logged and skipped.
   *
   * @param event the event
   */
  protected final void deliver(InvalidationEvent event) {
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(event);
      } catch (RuntimeException e) {
        log.warn("{}: listener {} failed on an event; skipped", name, listener, e);
      }
    }
  }

  /**
   * Logs a gap and calls {@link InvalidationListener#onGap} on every current listener; one that
   * throws is logged and skipped.
   *
   * @param reason why events may have been lost; never contains secrets
   */
  protected final void gap(String reason) {
    log.warn("{}: gap: {}", name, reason);
    for (InvalidationListener listener : listeners) {
      try {
        listener.onGap(reason);
      } catch (RuntimeException e) {
        log.warn("{}: listener {} failed on a gap notice; skipped", name, listener, e);
      }
    }
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
      try {
        runSession();
      } catch (Exception e) {
        if (closed.get()) {
          break;
        }
        if (reconnectAtOnce(e)) {
          continue;
        }
        failedAttempts++;
        Duration delay = backoff.delay(failedAttempts);
        sessionFailed(e, failedAttempts, delay);
        try {
          if (closeSignal.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
            break;
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    onStopped();
  }
}
