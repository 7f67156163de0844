package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class AbstractInvalidationSourceTest {
  private static final long WAIT_SECONDS = 10;
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final ReconnectBackoff FAST =
      new ReconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(2));

  private final List<AbstractInvalidationSource> sources = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeSources() {
    sources.forEach(AbstractInvalidationSource::close);
  }

  @Test
  void refusedEventIsNotAcknowledgedAndIsRedeliveredAfterABackoffUntilEveryListenerAppliedIt()
      throws Exception {
    InvalidationEvent e1 = InvalidationEvent.ofKeys("products", List.of("1"), "test", T0);
    InvalidationEvent e2 = InvalidationEvent.ofKeys("products", List.of("2"), "test", T0);
    InvalidationEvent e3 = InvalidationEvent.ofAll("products", "test", T0);
    LogSource source = logSource(FAST, List.of(e1, e2, e3), null);
    Refusing refusing = new Refusing(3);
    Recording other = new Recording();
    source.subscribe(refusing);
    source.subscribe(other);
    source.go.countDown();

    assertThat(source.allAcknowledged.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    // The refusing listener got every event, in order, once it applied them.
    assertThat(refusing.applied.events).containsExactly(e1, e2, e3);
    // The other listener got the refused event again at each redelivery: at least once.
    assertThat(other.events).containsExactly(e1, e1, e1, e1, e2, e3);
    assertThat(source.refusedDeliveries()).isEqualTo(3);
    // Each refusal ended the session; the source re-read from its last acknowledged position.
    assertThat(source.sessions.get()).isEqualTo(4);
    assertThat(source.acknowledgedAtSessionStart).containsExactly(0, 0, 0, 0);
  }

  @Test
  void refusedGapIsReportedAgainUntilEveryListenerHandledIt() throws Exception {
    LogSource source = logSource(FAST, List.of(), "history lost");
    Refusing refusing = new Refusing(2);
    source.subscribe(refusing);
    source.go.countDown();

    assertThat(refusing.applied.gaps.poll(WAIT_SECONDS, TimeUnit.SECONDS))
        .isEqualTo("history lost");
    assertThat(source.refusedDeliveries()).isEqualTo(2);
    assertThat(source.sessions.get()).isEqualTo(3);
    assertThat(source.awaitReady(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
  }

  @Test
  void refusalIsLoggedOnceAtWarnPerStreakWithoutAStackTraceAndEachAtDebugWithIt() throws Exception {
    InvalidationEvent e1 = InvalidationEvent.ofKeys("products", List.of("1"), "test", T0);
    InvalidationEvent e2 = InvalidationEvent.ofKeys("products", List.of("2"), "test", T0);
    InvalidationEvent e3 = InvalidationEvent.ofKeys("products", List.of("3"), "test", T0);
    RecordingLogger logger = new RecordingLogger();
    LogSource source = logSource(FAST, List.of(e1, e2, e3), null, logger);
    // Calls 1-3 refuse e1 (one streak), call 4 applies it, call 5 refuses e2 (a second streak).
    Refusing refusing = new Refusing(Set.of(1, 2, 3, 5));
    source.subscribe(refusing);
    source.go.countDown();

    assertThat(source.allAcknowledged.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    List<RecordingLogger.Line> warnings = logger.lines(Level.WARN);
    assertThat(warnings)
        .hasSize(2)
        .allSatisfy(
            line -> {
              assertThat(line.thrown()).as("no stack trace at WARN").isNull();
              assertThat(line.message())
                  .startsWith(
                      "test:log: listener Refusing did not apply an event for cache 'products'")
                  .contains("(IllegalStateException: Redis unreachable)")
                  .contains("not acknowledged: re-reading from position ")
                  .containsPattern("in \\d+ ms");
            });
    assertThat(logger.lines(Level.DEBUG))
        .filteredOn(line -> line.thrown() != null)
        .hasSize(4)
        .allSatisfy(line -> assertThat(line.thrown()).hasMessage("Redis unreachable"));
    assertThat(logger.lines(Level.INFO))
        .filteredOn(line -> line.message().contains("applied again"))
        .hasSize(2);
  }

  @Test
  void closeWakesTheReaderFromItsRefusalBackoff() throws Exception {
    InvalidationEvent e1 = InvalidationEvent.ofKeys("products", List.of("1"), "test", T0);
    LogSource source =
        logSource(
            new ReconnectBackoff(Duration.ofHours(1), Duration.ofHours(1)), List.of(e1), null);
    Refusing refusing = new Refusing(Integer.MAX_VALUE);
    source.subscribe(refusing);
    source.go.countDown();
    assertThat(refusing.refused.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    source.close();

    assertThat(source.readerStopped()).isTrue();
    assertThat(source.sessions.get()).as("still waiting out the hour when closed").isEqualTo(1);
    assertThat(source.acknowledged).isZero();
  }

  @Test
  void subscribeAfterCloseIsRefused() {
    ScriptedSource source = source(FAST);
    source.subscribe(new Recording());
    source.close();

    assertThatThrownBy(() -> source.subscribe(new Recording()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("source test:one is closed");
  }

  @Test
  void subscribeRejectsANullListener() {
    ScriptedSource source = source(FAST);
    assertThatThrownBy(() -> source.subscribe(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener must not be null");
  }

  @Test
  void closeIsIdempotentAndEndsTheReaderOnce() throws Exception {
    ScriptedSource source = source(FAST);
    source.subscribe(new Recording());
    assertThat(source.sessionStarted.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    source.close();
    source.close();

    assertThat(source.readerStopped()).isTrue();
    assertThat(source.wakeUps.get()).isEqualTo(1);
    assertThat(source.stops.get()).isEqualTo(1);
  }

  @Test
  void closeBeforeAnySubscribeStartsNoReader() {
    ScriptedSource source = source(FAST);
    source.close();

    assertThat(source.readerStopped()).isFalse();
    assertThat(source.sessions.get()).isZero();
    assertThat(source.stops.get()).isZero();
  }

  @Test
  void firstSubscribeStartsOneNamedDaemonReader() throws Exception {
    ScriptedSource source = source(FAST);
    assertThat(source.sessions.get()).isZero();
    source.subscribe(new Recording());
    source.subscribe(new Recording());
    assertThat(source.sessionStarted.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    CountDownLatch ran = new CountDownLatch(1);
    source.steps.add(s -> ran.countDown());
    assertThat(ran.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(source.sessions.get()).isEqualTo(1);
    assertThat(source.readerName).isEqualTo("larder-test:one");
    assertThat(source.readerDaemon).isTrue();
  }

  @Test
  void closingASubscriptionStopsDeliveryToThatListenerOnly() {
    ScriptedSource source = source(FAST);
    Recording kept = new Recording();
    Recording dropped = new Recording();
    source.subscribe(kept);
    InvalidationSource.Subscription subscription = source.subscribe(dropped);

    subscription.close();
    subscription.close();
    source.deliver(InvalidationEvent.ofAll("products", "test", T0));

    assertThat(kept.events).hasSize(1);
    assertThat(dropped.events).isEmpty();
  }

  @Test
  void afterCloseNothingReachesAListenerAndNothingCountsAsAcknowledged() {
    ScriptedSource source = source(FAST);
    Recording listener = new Recording();
    source.subscribe(listener);
    source.close();

    assertThatThrownBy(() -> source.deliver(InvalidationEvent.ofAll("products", "test", T0)))
        .isInstanceOf(AbstractInvalidationSource.NotApplied.class)
        .hasMessage("source test:one is closed: not delivered");
    assertThatThrownBy(() -> source.gap("after close"))
        .isInstanceOf(AbstractInvalidationSource.NotApplied.class);

    assertThat(listener.events).isEmpty();
    assertThat(listener.gaps).isEmpty();
    assertThat(source.refusedDeliveries()).isZero();
  }

  @Test
  void failedAttemptsCountUntilASessionConnectsAndEachIsBackedOff() throws Exception {
    ScriptedSource source = source(FAST);
    source.steps.add(ScriptedSource::fail);
    source.steps.add(ScriptedSource::fail);
    source.steps.add(s -> s.connectedReturned.add(s.connected()));
    source.steps.add(ScriptedSource::fail);
    CountDownLatch fourthSession = new CountDownLatch(1);
    source.steps.add(s -> fourthSession.countDown());
    source.subscribe(new Recording());

    assertThat(source.connectedReturned.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(2);
    Failure first = source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    Failure second = source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    Failure afterConnect = source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(List.of(first.attempts(), second.attempts(), afterConnect.attempts()))
        .containsExactly(1, 2, 1);
    assertThat(first.failure()).isInstanceOf(IllegalStateException.class).hasMessage("down");
    assertThat(first.retryIn()).isBetween(Duration.ofNanos(500_000), Duration.ofMillis(1));
    assertThat(second.retryIn()).isBetween(Duration.ofMillis(1), Duration.ofMillis(2));
    assertThat(fourthSession.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(source.sessions.get()).isEqualTo(4);
  }

  @Test
  void failureTheSourceHandledReconnectsAtOnceWithoutCountingAnAttempt() throws Exception {
    ScriptedSource source = source(new ReconnectBackoff(Duration.ofHours(1), Duration.ofHours(1)));
    source.steps.add(
        s -> {
          throw new Lost();
        });
    source.steps.add(
        s -> {
          throw new Lost();
        });
    source.steps.add(ScriptedSource::fail);
    source.subscribe(new Recording());

    Failure failure = source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(failure.attempts()).isEqualTo(1);
    assertThat(failure.failure()).isNotInstanceOf(Lost.class);
    assertThat(source.recovered.get()).isEqualTo(2);
    assertThat(source.sessions.get()).isEqualTo(3);
  }

  @Test
  void closeWakesTheReaderFromItsBackoffWait() throws Exception {
    ScriptedSource source = source(new ReconnectBackoff(Duration.ofHours(1), Duration.ofHours(1)));
    source.steps.add(ScriptedSource::fail);
    source.subscribe(new Recording());
    assertThat(source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();

    source.close();

    // Without the close signal the reader would still be waiting out its hour here.
    assertThat(source.readerStopped()).isTrue();
    assertThat(source.stops.get()).isEqualTo(1);
    assertThat(source.sessions.get()).isEqualTo(1);
  }

  @Test
  void failureAfterCloseIsNeitherReportedNorRetried() throws Exception {
    ScriptedSource source = source(FAST);
    source.steps.add(
        s -> {
          s.close();
          throw new IllegalStateException("connection aborted by close");
        });
    source.subscribe(new Recording());

    assertThat(source.stopped.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(source.failures).isEmpty();
    assertThat(source.sessions.get()).isEqualTo(1);
  }

  @Test
  void awaitReadyReturnsFalseWhileSessionsFailAndTrueOnceOneConnected() throws Exception {
    ScriptedSource source = source(FAST);
    CountDownLatch failing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    source.steps.add(ScriptedSource::fail);
    source.steps.add(
        s -> {
          failing.countDown();
          release.await();
          s.fail();
        });
    source.steps.add(s -> s.connectedReturned.add(s.connected()));
    source.subscribe(new Recording());
    assertThat(failing.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    // One failed session behind, the second still trying: not ready.
    assertThat(source.awaitReady(Duration.ofMillis(50))).isFalse();
    release.countDown();

    assertThat(source.awaitReady(Duration.ofSeconds(WAIT_SECONDS))).isTrue();
    assertThat(source.connectedReturned.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(2);
    // Ready stays true for later calls, also after later failures.
    source.steps.add(ScriptedSource::fail);
    assertThat(source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
    assertThat(source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
    assertThat(source.failures.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
    assertThat(source.awaitReady(Duration.ZERO)).isTrue();
  }

  @Test
  void closeWakesAWaiterForReadinessWithFalse() throws Exception {
    ScriptedSource source = source(new ReconnectBackoff(Duration.ofHours(1), Duration.ofHours(1)));
    source.steps.add(ScriptedSource::fail);
    source.subscribe(new Recording());
    CountDownLatch waiting = new CountDownLatch(1);
    java.util.concurrent.CompletableFuture<Boolean> ready =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              waiting.countDown();
              try {
                return source.awaitReady(Duration.ofHours(1));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(waiting.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

    source.close();

    assertThat(ready.get(WAIT_SECONDS, TimeUnit.SECONDS)).isFalse();
    assertThat(source.awaitReady(Duration.ZERO)).isFalse();
  }

  @Test
  void awaitReadyBeforeAnySubscribeOrWithANegativeTimeoutIsRefused() {
    ScriptedSource source = source(FAST);
    assertThatThrownBy(() -> source.awaitReady(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "source test:one has no subscriber yet: its reader starts on the first subscribe");
    source.subscribe(new Recording());
    assertThatThrownBy(() -> source.awaitReady(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be >= 0 but was PT-0.001S");
    assertThatThrownBy(() -> source.awaitReady(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
  }

  @Test
  void constructorRejectsABlankNameAndANonPositiveCloseTimeout() {
    assertThatThrownBy(() -> new ScriptedSource(" ", FAST, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank but was ' '");
    assertThatThrownBy(() -> new ScriptedSource("test:x", FAST, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("closeTimeout must be > 0 but was PT0S");
  }

  private ScriptedSource source(ReconnectBackoff backoff) {
    ScriptedSource source =
        new ScriptedSource("test:one", backoff, Duration.ofSeconds(WAIT_SECONDS));
    sources.add(source);
    return source;
  }

  private LogSource logSource(ReconnectBackoff backoff, List<InvalidationEvent> log, String gap) {
    return logSource(backoff, log, gap, new RecordingLogger());
  }

  private LogSource logSource(
      ReconnectBackoff backoff, List<InvalidationEvent> log, String gap, RecordingLogger logger) {
    LogSource source = new LogSource(backoff, log, gap, logger);
    sources.add(source);
    return source;
  }

  private record Failure(Exception failure, int attempts, Duration retryIn) {}

  /** What a session does next, on the reader thread. */
  @FunctionalInterface
  private interface Step {
    void run(ScriptedSource source) throws Exception;
  }

  /** A failure the source deals with itself (like a lost resume token). */
  private static final class Lost extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** A source whose sessions run the steps the test queues, one at a time, until closed. */
  private static final class ScriptedSource extends AbstractInvalidationSource {
    private static final Step WAKE = s -> {};

    final BlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    final BlockingQueue<Failure> failures = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> connectedReturned = new LinkedBlockingQueue<>();
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger recovered = new AtomicInteger();
    final AtomicInteger wakeUps = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();
    final CountDownLatch sessionStarted = new CountDownLatch(1);
    final CountDownLatch stopped = new CountDownLatch(1);
    volatile String readerName = "";
    volatile boolean readerDaemon;

    ScriptedSource(String name, ReconnectBackoff backoff, Duration closeTimeout) {
      super(
          name,
          backoff,
          closeTimeout,
          LoggerFactory.getLogger(AbstractInvalidationSourceTest.class));
    }

    void fail() {
      throw new IllegalStateException("down");
    }

    @Override
    protected void runSession() throws Exception {
      sessions.incrementAndGet();
      readerName = Thread.currentThread().getName();
      readerDaemon = Thread.currentThread().isDaemon();
      sessionStarted.countDown();
      while (!isClosed()) {
        steps.take().run(this);
      }
    }

    @Override
    protected void sessionFailed(Exception failure, int failedAttempts, Duration retryIn) {
      failures.add(new Failure(failure, failedAttempts, retryIn));
    }

    @Override
    protected boolean reconnectAtOnce(Exception failure) {
      if (failure instanceof Lost) {
        recovered.incrementAndGet();
        return true;
      }
      return false;
    }

    @Override
    protected void wakeUp() {
      wakeUps.incrementAndGet();
      steps.add(WAKE);
    }

    @Override
    protected void onStopped() {
      stops.incrementAndGet();
      stopped.countDown();
    }
  }

  private static final class Recording implements InvalidationListener {
    final BlockingQueue<InvalidationEvent> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> gaps = new LinkedBlockingQueue<>();

    @Override
    public void onInvalidation(InvalidationEvent event) {
      events.add(event);
    }

    @Override
    public void onGap(String reason) {
      gaps.add(reason);
    }
  }

  /**
   * A source over a fixed log of events, like an outbox: each session re-reads from the last
   * acknowledged index, and the index moves only after {@link #deliver} returned. A gap given at
   * construction is owed until a session reported it and every listener handled it.
   */
  private static final class LogSource extends AbstractInvalidationSource {
    final List<InvalidationEvent> log;
    final AtomicInteger sessions = new AtomicInteger();
    final List<Integer> acknowledgedAtSessionStart = new CopyOnWriteArrayList<>();
    final CountDownLatch allAcknowledged = new CountDownLatch(1);

    /** Opened by the test once every listener is subscribed. */
    final CountDownLatch go = new CountDownLatch(1);

    private final CountDownLatch closing = new CountDownLatch(1);
    volatile int acknowledged;
    private String owedGap;

    LogSource(
        ReconnectBackoff backoff, List<InvalidationEvent> log, String gap, RecordingLogger logger) {
      super("test:log", backoff, Duration.ofSeconds(WAIT_SECONDS), logger);
      this.log = List.copyOf(log);
      this.owedGap = gap;
    }

    @Override
    protected void runSession() throws Exception {
      go.await();
      sessions.incrementAndGet();
      acknowledgedAtSessionStart.add(acknowledged);
      if (owedGap != null) {
        gap(owedGap);
        owedGap = null;
      }
      connected();
      while (!isClosed() && acknowledged < log.size()) {
        deliver(log.get(acknowledged));
        acknowledged++;
      }
      allAcknowledged.countDown();
      closing.await();
    }

    @Override
    protected void sessionFailed(Exception failure, int failedAttempts, Duration retryIn) {
      throw new AssertionError("no session of this source fails but one threw " + failure, failure);
    }

    @Override
    protected String resumePoint() {
      return "position " + acknowledged;
    }

    @Override
    protected void wakeUp() {
      closing.countDown();
    }
  }

  /** Applies what it gets except on the calls it is told to refuse (counted from 1). */
  private static final class Refusing implements InvalidationListener {
    final Recording applied = new Recording();
    final CountDownLatch refused = new CountDownLatch(1);
    private final java.util.function.IntPredicate refuse;
    private final AtomicInteger calls = new AtomicInteger();

    /** Refuses the first {@code n} calls. */
    Refusing(int n) {
      this.refuse = call -> call <= n;
    }

    Refusing(Set<Integer> refusedCalls) {
      this.refuse = refusedCalls::contains;
    }

    @Override
    public void onInvalidation(InvalidationEvent event) {
      refuseOrNot();
      applied.onInvalidation(event);
    }

    @Override
    public void onGap(String reason) {
      refuseOrNot();
      applied.onGap(reason);
    }

    private void refuseOrNot() {
      if (refuse.test(calls.incrementAndGet())) {
        refused.countDown();
        throw new IllegalStateException("Redis unreachable");
      }
    }

    @Override
    public String toString() {
      return "Refusing";
    }
  }
}
