package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.CacheResult.Source;
import dev.larder.cache.internal.InvalidationMessage;
import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@LarderTest
class InvalidationBusIT {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationBusIT.class);
  private static final Duration PROPAGATION_BOUND = Duration.ofSeconds(5);
  private static final String PROPAGATION = "larder.cache.invalidation.propagation";

  private RedisCaches env;

  @AfterEach
  void tearDown() {
    if (env != null) {
      env.close();
    }
  }

  @ParameterizedTest(name = "{0} instances")
  @ValueSource(ints = {2, 4})
  void writeOnOneInstanceIsSeenByEveryOtherInstanceNextRead(int n) {
    env = new RedisCaches("bus-propagation-" + n);
    SimpleMeterRegistry shared = new SimpleMeterRegistry();
    shared
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals(PROPAGATION)
                    ? DistributionStatisticConfig.builder()
                        .percentiles(0.5, 0.99)
                        .expiry(Duration.ofMinutes(10))
                        .bufferLength(1)
                        .build()
                        .merge(config)
                    : config;
              }
            });
    Instances in = new Instances(env, n, b -> b, shared);
    int rounds = 40;
    List<Long> visibleMicros = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      String key = "k" + (round % 5);
      String old = "old-" + round;
      in.db.put(key, old);
      in.get(0).invalidate(key);
      for (int i = 0; i < n; i++) {
        int inst = i;
        // Every instance holds the old value in L1 before the write (else the test proves nothing).
        await().atMost(PROPAGATION_BOUND).until(() -> old.equals(in.read(inst, key)));
        assertThat(in.source(i, key)).isEqualTo(Source.L1);
      }
      int writer = round % n;
      String fresh = "new-" + round;
      in.db.put(key, fresh);
      long wrote = System.nanoTime();
      if (round % 2 == 0) {
        in.get(writer).invalidate(key);
      } else {
        in.get(writer).put(key, fresh);
      }
      for (int i = 0; i < n; i++) {
        int inst = i;
        await()
            .atMost(PROPAGATION_BOUND)
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(1))
            .until(() -> fresh.equals(in.read(inst, key)));
        if (i != writer) {
          visibleMicros.add(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - wrote));
        }
      }
    }
    Timer timer = shared.get(PROPAGATION).timer();
    // Each write reaches each other instance exactly once (plus the echo, which is not applied).
    assertThat(timer.count()).isEqualTo(2L * (n - 1) * rounds);
    double[] p = new double[2];
    for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
      p[v.percentile() == 0.5 ? 0 : 1] = v.value(TimeUnit.MICROSECONDS);
    }
    Collections.sort(visibleMicros);
    LOG.info(
        "propagation with {} instances: publish -> L1 drop p50={} us p99={} us max={} us (n={}); write -> other "
            + "instance reads new value p50={} us p99={} us max={} us (n={})",
        n,
        (long) p[0],
        (long) p[1],
        (long) timer.max(TimeUnit.MICROSECONDS),
        timer.count(),
        pct(visibleMicros, 0.5),
        pct(visibleMicros, 0.99),
        visibleMicros.get(visibleMicros.size() - 1),
        visibleMicros.size());
  }

  @Test
  void ownEchoIsIgnoredWhileBatchAndClearAllReachTheOthers() {
    env = new RedisCaches("bus-batch");
    Instances in = new Instances(env, 2, b -> b);
    for (String k : List.of("a", "b", "c")) {
      in.db.put(k, k + "1");
      assertThat(in.read(0, k)).isEqualTo(k + "1");
      assertThat(in.read(1, k)).isEqualTo(k + "1");
    }
    in.db.put("a", "a2");
    in.db.put("b", "b2");
    in.get(0).invalidateAll(List.of("a", "b", "a"));
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.count(1, "larder.cache.invalidations.received", "result", "keys") == 1);
    assertThat(in.read(1, "a")).isEqualTo("a2");
    assertThat(in.read(1, "b")).isEqualTo("b2");
    assertThat(in.source(1, "c")).as("a key outside the batch stays in L1").isEqualTo(Source.L1);
    // The publisher heard its own message and did not count it as an invalidation from elsewhere.
    assertThat(in.sum(0, "larder.cache.invalidations.received")).isZero();
    assertThat(in.count(0, "larder.cache.invalidations.sent", "result", "keys")).isEqualTo(1);

    in.db.put("c", "c2");
    in.get(0).invalidateAll();
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.count(1, "larder.cache.invalidations.received", "result", "all") == 1);
    assertThat(in.read(1, "c")).isEqualTo("c2");
    assertThat(in.read(0, "c")).isEqualTo("c2");
  }

  @Test
  void killedPubSubConnectionsClearL1SoNoInstanceServesTheOldValueAfterReconnect()
      throws Exception {
    env = new RedisCaches("bus-client-kill");
    Instances in = new Instances(env, 3, b -> b.busHeartbeat(Duration.ofMillis(200)));
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.busHealthy(0) && in.busHealthy(1) && in.busHealthy(2));
    in.db.put("k", "v1");
    for (int i = 0; i < 3; i++) {
      assertThat(in.read(i, "k")).isEqualTo("v1");
    }
    // Another client kills every pub/sub connection; the write follows at once, so instances are
    // likely still reconnecting when it is published (at-most-once: the message is then lost).
    String killed =
        RawRedis.command(env.redis.host(), env.redis.port(), "CLIENT", "KILL", "TYPE", "pubsub");
    in.db.put("k", "v2");
    in.get(0).invalidate("k");
    LOG.info(
        "CLIENT KILL TYPE pubsub answered {}; instance 1 received {} and instance 2 received {} key invalidations",
        killed,
        in.count(1, "larder.cache.invalidations.received", "result", "keys"),
        in.count(2, "larder.cache.invalidations.received", "result", "keys"));
    assertThat(killed).startsWith(":");
    assertThat(Integer.parseInt(killed.substring(1)))
        .as("pub/sub connections killed")
        .isGreaterThanOrEqualTo(3);
    for (int i = 1; i < 3; i++) {
      int inst = i;
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> in.sum(inst, "larder.cache.l1.clears") >= 1 && in.busHealthy(inst));
      assertThat(in.read(i, "k")).isEqualTo("v2");
    }
    assertThat(in.read(0, "k")).isEqualTo("v2");
    // And the channel works again after the reconnect.
    in.db.put("k", "v3");
    in.get(2).invalidate("k");
    for (int i = 0; i < 3; i++) {
      int inst = i;
      await().atMost(PROPAGATION_BOUND).until(() -> "v3".equals(in.read(inst, "k")));
    }
  }

  @Test
  void redisStoppedAndStartedWhileAWriteHappensLeavesNoInstanceServingTheOldValue() {
    env = new RedisCaches("bus-restart");
    Instances in = new Instances(env, 3, b -> b.busHeartbeat(Duration.ofMillis(200)));
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.busHealthy(0) && in.busHealthy(1) && in.busHealthy(2));
    in.db.put("k", "v1");
    for (int i = 0; i < 3; i++) {
      assertThat(in.read(i, "k")).isEqualTo("v1");
    }
    try {
      env.redis.stop();
      in.db.put("k", "v2");
      // Redis is gone: neither the bump nor the publish can succeed, and the caller is told.
      assertThatThrownBy(() -> in.get(0).invalidate("k"))
          .isInstanceOf(InvalidationPendingException.class);
    } finally {
      env.redis.start();
    }
    for (int i = 0; i < 3; i++) {
      int inst = i;
      await().atMost(Duration.ofSeconds(30)).until(() -> in.busHealthy(inst));
      assertThat(in.sum(i, "larder.cache.l1.clears"))
          .as("instance %d cleared L1", i)
          .isGreaterThanOrEqualTo(1);
    }
    for (int i = 0; i < 3; i++) {
      int inst = i;
      // The Redis breaker may still be open for a moment; the value must be new either way.
      await().atMost(Duration.ofSeconds(10)).until(() -> "v2".equals(in.read(inst, "k")));
      assertThat(in.read(inst, "k")).isEqualTo("v2");
    }
  }

  @Test
  void malformedMessagesOnTheChannelAreCountedAndIgnored() {
    env = new RedisCaches("bus-malformed");
    Instances in = new Instances(env, 2, b -> b);
    await().atMost(PROPAGATION_BOUND).until(() -> in.busHealthy(0) && in.busHealthy(1));
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    RedissonClient other = env.newClient();
    for (byte[] junk :
        List.of(
            new byte[0],
            "hello".getBytes(),
            Arrays.copyOf(new byte[] {'I', 1, 1}, 40),
            Arrays.copyOf(new byte[] {'I', 1, 9}, 80))) {
      other.getTopic(in.channel(), ByteArrayCodec.INSTANCE).publish(junk);
    }
    await()
        .atMost(PROPAGATION_BOUND)
        .until(
            () -> in.count(1, "larder.cache.invalidations.received", "result", "malformed") == 4);
    assertThat(in.source(1, "k")).as("junk drops nothing").isEqualTo(Source.L1);
    in.db.put("k", "v2");
    in.get(0).invalidate("k");
    await().atMost(PROPAGATION_BOUND).until(() -> "v2".equals(in.read(1, "k")));
  }

  @Test
  void aSkippedSequenceNumberFromAnotherInstanceClearsL1() {
    env = new RedisCaches("bus-gap");
    Instances in = new Instances(env, 1, b -> b);
    await().atMost(PROPAGATION_BOUND).until(() -> in.busHealthy(0));
    in.db.put("k", "v1");
    in.read(0, "k");
    RTopic topic = env.newClient().getTopic(in.channel(), ByteArrayCodec.INSTANCE);
    UUID other = UUID.randomUUID();
    topic.publish(keysMessage(other, 1, "x"));
    topic.publish(keysMessage(other, 2, "y"));
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.count(0, "larder.cache.invalidations.received", "result", "keys") == 2);
    assertThat(in.sum(0, "larder.cache.l1.clears")).as("consecutive numbers are no gap").isZero();
    assertThat(in.source(0, "k")).isEqualTo(Source.L1);

    topic.publish(keysMessage(other, 4, "z")); // number 3 was lost
    await()
        .atMost(PROPAGATION_BOUND)
        .until(() -> in.count(0, "larder.cache.l1.clears", "result", "gap") == 1);
    assertThat(in.source(0, "k")).as("the whole L1 was cleared").isNotEqualTo(Source.L1);
  }

  private static byte[] keysMessage(UUID origin, long seq, String key) {
    return new InvalidationMessage(
            InvalidationMessage.Type.KEYS, origin, seq, 0, List.of(key), new long[] {0})
        .encode();
  }

  @Test
  void badKeysAreRejectedBeforeAnythingIsInvalidated() {
    env = new RedisCaches("bus-bad-input");
    Instances in = new Instances(env, 2, b -> b);
    in.db.put("ok", "v1");
    assertThat(in.read(1, "ok")).isEqualTo("v1");
    LarderCache<String> c = in.get(0);
    assertThatThrownBy(() -> c.invalidateAll(List.of("ok", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key must not be empty");
    assertThatThrownBy(() -> c.invalidateAll(Arrays.asList("ok", null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> c.invalidateAll((List<String>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("keys");
    assertThatThrownBy(() -> c.invalidate("bad\nkey"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("control characters");
    c.invalidateAll(List.of());
    assertThat(
            in.sum(0, "larder.cache.invalidations.sent")
                - in.count(0, "larder.cache.invalidations.sent", "result", "heartbeat"))
        .as("nothing published")
        .isZero();
    assertThat(in.source(1, "ok")).as("nothing invalidated").isEqualTo(Source.L1);
  }

  private static long pct(List<Long> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  @Test
  void messagesAPublisherLostDuringItsOwnLongOutageAreSeenAsAGapWhenItComesBack() {
    env = new RedisCaches("silent-publisher");
    io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
        Faults.manualBreaker("silent-publisher");
    Faults.TripAfterNextSuccess trip = new Faults.TripAfterNextSuccess(breaker);
    int[] n = {0};
    // 50 ms heartbeats: a silent origin used to be forgotten after 10 x 150 ms.
    Instances in =
        new Instances(
            env,
            2,
            b ->
                (n[0]++ == 0 ? b.redisCircuitBreaker(breaker) : b)
                    .busHeartbeat(Duration.ofMillis(50))
                    .l1Ttl(Duration.ofMinutes(5))
                    .ttl(Duration.ofMinutes(5)));
    await().atMost(Duration.ofSeconds(10)).until(() -> in.busHealthy(0) && in.busHealthy(1));
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    in.db.put("k", "v2");
    trip.arm(); // the version bump reaches Redis, then the breaker opens: the publish is lost
    in.get(0).invalidate("k");
    assertThat(in.read(1, "k"))
        .as("instance 1 did not hear of it (the message was never sent)")
        .isEqualTo("v1");
    // The fault's duration: the writer stays cut off for far longer than its heartbeat timeout
    // (long enough for a receiver that forgets silent origins to forget it), then comes back.
    long until = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
    await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= until);
    breaker.transitionToClosedState();
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThat(in.read(1, "k"))
                    .as("the lost message is detected once the writer speaks again")
                    .isEqualTo("v2"));
  }
}
