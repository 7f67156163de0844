package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.CacheResult.Source;
import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import dev.larder.core.InvalidationSource;
import dev.larder.testkit.LarderTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A database-sourced stream of invalidations drives the cache: the source here is an in-test
 * implementation of the core SPI (it stands for the outbox or change stream, not for Redis); Redis
 * and every cache instance are real.
 */
@LarderTest
class SourcedInvalidationIT {
  private RedisCaches env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  /** Delivers what the test emits, on the test's thread, like a source's own thread would. */
  static final class TestSource implements InvalidationSource {
    final List<InvalidationListener> listeners = new CopyOnWriteArrayList<>();
    volatile boolean closed;
    volatile boolean readsNow = true;

    @Override
    public String name() {
      return "test-source";
    }

    @Override
    public Subscription subscribe(InvalidationListener listener) {
      if (closed) {
        throw new IllegalStateException("source closed");
      }
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }

    @Override
    public boolean awaitReady(java.time.Duration timeout) {
      // Delivers on the caller's thread: ready while open, unless the test says it never connects.
      return readsNow && !closed;
    }

    void emit(InvalidationEvent e) {
      listeners.forEach(l -> l.onInvalidation(e));
    }

    void gap(String reason) {
      listeners.forEach(l -> l.onGap(reason));
    }

    @Override
    public void close() {
      closed = true;
      listeners.clear();
    }
  }

  @Test
  void bindWithAReadyTimeoutReturnsOnceTheSourceReadsAndOtherwiseUnbindsAndSaysWhy()
      throws Exception {
    env = new RedisCaches("sourced-ready");
    Instances in = new Instances(env, 1, b -> b);
    TestSource source = new TestSource();

    InvalidationSource.Subscription bound =
        SourcedInvalidation.bind(in.get(0), source, Duration.ofSeconds(1));
    assertThat(source.listeners).hasSize(1);
    bound.close();

    source.readsNow = false; // the database never answers
    assertThatThrownBy(() -> SourcedInvalidation.bind(in.get(0), source, Duration.ofMillis(50)))
        .isInstanceOf(dev.larder.core.LarderException.class)
        .hasMessage(
            "invalidation source 'test-source' did not start reading within PT0.05S (database"
                + " unreachable, or the source was closed); cache '"
                + in.get(0).name()
                + "' is not bound");
    assertThat(source.listeners).as("the failed binding was closed").isEmpty();
    assertThatThrownBy(() -> SourcedInvalidation.bind(in.get(0), source, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readyTimeout must be >= 0 but was PT-0.001S");
  }

  @Test
  void sourceEventsInvalidateBothTiersInEveryInstanceWithoutTheWriterCallingInvalidate() {
    env = new RedisCaches("sourced");
    Instances in = new Instances(env, 2, b -> b);
    TestSource source = new TestSource();
    // Only instance 0 listens to the database; the bus carries the drop to instance 1.
    InvalidationSource.Subscription sub = SourcedInvalidation.bind(in.get(0), source);
    in.db.put("a", "a1");
    in.db.put("b", "b1");
    for (int i = 0; i < 2; i++) {
      assertThat(in.read(i, "a")).isEqualTo("a1");
      assertThat(in.read(i, "b")).isEqualTo("b1");
    }
    String name = in.get(0).name();

    in.db.put("a", "a2"); // the database write; nobody calls invalidate
    source.emit(
        InvalidationEvent.ofKeys(name, List.of("a"), "pg-outbox", Instant.now())
            .withPosition("17"));
    assertThat(env.rawGet(env.newClient(), "a")).as("L2 entry deleted").isNull();
    assertThat(in.read(0, "a")).isEqualTo("a2");
    await().atMost(Duration.ofSeconds(5)).until(() -> "a2".equals(in.read(1, "a")));
    assertThat(in.source(1, "b")).isEqualTo(Source.L1);

    in.db.put("b", "b2");
    source.emit(
        InvalidationEvent.ofKeys("some-other-cache", List.of("b"), "pg-outbox", Instant.now()));
    assertThat(in.source(0, "b")).as("events for other caches are ignored").isEqualTo(Source.L1);
    assertThat(in.read(0, "b")).isEqualTo("b1");

    // A key the cache could never hold is skipped; the rest of the event still applies.
    source.emit(
        InvalidationEvent.ofKeys(name, List.of("bad\u0000key", "b"), "pg-outbox", Instant.now()));
    assertThat(in.read(0, "b")).isEqualTo("b2");
    await().atMost(Duration.ofSeconds(5)).until(() -> "b2".equals(in.read(1, "b")));

    sub.close();
    in.db.put("b", "b3");
    source.emit(InvalidationEvent.ofKeys(name, List.of("b"), "pg-outbox", Instant.now()));
    assertThat(in.read(0, "b")).as("a closed binding applies nothing").isEqualTo("b2");
  }

  @Test
  void aGapInTheSourceClearsL1AndL2InEveryInstance() {
    env = new RedisCaches("sourced-gap");
    Instances in = new Instances(env, 2, b -> b);
    TestSource source = new TestSource();
    SourcedInvalidation.bind(in.get(0), source);
    in.db.put("a", "a1");
    in.db.put("b", "b1");
    for (int i = 0; i < 2; i++) {
      in.read(i, "a");
      in.read(i, "b");
    }
    // Writes whose events the source lost:
    in.db.put("a", "a2");
    in.db.put("b", "b2");
    source.gap("listener reconnected and could not resume");
    // L2 cleared: instance 0's L1 is empty now, so an old value reachable in Redis would be served
    // before the loader runs.
    assertThat(in.read(0, "a")).as("L2 cleared").isEqualTo("a2");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> "b2".equals(in.read(1, "b")) && "a2".equals(in.read(1, "a")));
    // The cleared generation's keys were unreachable at once; they are deleted in the background.
    for (String key : List.of("a", "b")) {
      await()
          .atMost(Duration.ofSeconds(10))
          .alias(key + " deleted from Redis")
          .until(() -> env.rawGet(env.newClient(), key) == null);
    }
  }

  @Test
  void clearAllEventAndBadArguments() {
    env = new RedisCaches("sourced-all");
    Instances in = new Instances(env, 1, b -> b);
    TestSource source = new TestSource();
    SourcedInvalidation.bind(in.get(0), source);
    in.db.put("a", "a1");
    in.read(0, "a");
    in.db.put("a", "a2");
    source.emit(InvalidationEvent.ofAll(in.get(0).name(), "mongo-change-stream", Instant.now()));
    assertThat(in.read(0, "a")).isEqualTo("a2");

    assertThatThrownBy(() -> SourcedInvalidation.bind(null, source))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cache must not be null");
    assertThatThrownBy(() -> SourcedInvalidation.bind(in.get(0), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("source must not be null");
    source.close();
    assertThatThrownBy(() -> SourcedInvalidation.bind(in.get(0), source))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anEventTheCacheCouldNotApplyInRedisIsRefusedSoTheSourceDoesNotAcknowledgeIt() {
    env = new RedisCaches("sourced-refused");
    io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
        Faults.manualBreaker("sourced-refused");
    int[] n = {0};
    Instances in = new Instances(env, 2, b -> n[0]++ == 0 ? b.redisCircuitBreaker(breaker) : b);
    String name = in.get(0).name();
    InvalidationListener listener = SourcedInvalidation.listener(in.get(0), "test-source");
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    in.db.put("k", "v2");
    breaker.transitionToForcedOpenState();
    assertThatThrownBy(
            () ->
                listener.onInvalidation(
                    InvalidationEvent.ofKeys(name, List.of("k"), "pg-outbox", Instant.now())
                        .withPosition("1")))
        .as("an event whose invalidation did not reach Redis must not count as delivered")
        .isInstanceOf(InvalidationPendingException.class);
    assertThatThrownBy(() -> listener.onGap("test gap"))
        .as("a gap whose clear did not reach Redis must not count as handled")
        .isInstanceOf(InvalidationPendingException.class);
    breaker.transitionToClosedState();
    // Redelivered once Redis answers (as a source does after a refusal): applied, and nothing old
    // is read.
    listener.onInvalidation(
        InvalidationEvent.ofKeys(name, List.of("k"), "pg-outbox", Instant.now()).withPosition("1"));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(1, "k")).isEqualTo("v2"));
  }
}
