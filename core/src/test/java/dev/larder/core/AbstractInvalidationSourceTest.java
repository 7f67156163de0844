package dev.larder.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AbstractInvalidationSourceTest {
  private static final long WAIT_SECONDS = 10;
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
  private static final ReconnectBackoff FAST =
      new ReconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(2));

  private final List<ScriptedSource> sources = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeSources() {
    sources.forEach(ScriptedSource::close);
  }

  @Test
  void listenerThatThrowsIsSkippedAndTheOthersStillGetEventsAndGaps() throws Exception {
    ScriptedSource source = source(FAST);
    source.subscribe(new Throwing());
    Recording second = new Recording();
    source.subscribe(second);
    InvalidationEvent event = InvalidationEvent.ofKeys("products", List.of("1"), "test", T0);

    source.steps.add(s -> {
      s.deliver(event);
      s.gap("lost");
    });
    source.steps.add(s -> s.deliver(event));

    assertThat(second.events.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(event);
    assertThat(second.gaps.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("lost");
    // The reader carried on in the same session: the next step still delivers, nothing failed.
    assertThat(second.events.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(event);
    assertThat(source.failures).isEmpty();
    assertThat(source.sessions.get()).isEqualTo(1);
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
  void closeDropsEveryListener() {
    ScriptedSource source = source(FAST);
    Recording listener = new Recording();
    source.subscribe(listener);
    source.close();

    source.deliver(InvalidationEvent.ofAll("products", "test", T0));
    source.gap("after close");

    assertThat(listener.events).isEmpty();
    assertThat(listener.gaps).isEmpty();
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
    source.steps.add(s -> {
      throw new Lost();
    });
    source.steps.add(s -> {
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
    source.steps.add(s -> {
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
        .hasMessage("source test:one has no subscriber yet: its reader starts on the first subscribe");
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
    ScriptedSource source = new ScriptedSource("test:one", backoff, Duration.ofSeconds(WAIT_SECONDS));
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
      super(name, backoff, closeTimeout, LoggerFactory.getLogger(AbstractInvalidationSourceTest.class));
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

  private static final class Throwing implements InvalidationListener {
    @Override
    public void onInvalidation(InvalidationEvent event) {
      throw new IllegalStateException("listener bug");
    }

    @Override
    public void onGap(String reason) {
      throw new IllegalStateException("listener bug");
    }
  }
}
