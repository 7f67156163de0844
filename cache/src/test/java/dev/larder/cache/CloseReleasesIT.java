package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.internal.InvalidationBus;
import dev.larder.testkit.LarderTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * {@code close()} gives back everything a cache took: its threads, its pub/sub subscription, and
 * whatever it registered on objects the caller shares with it (a Redis circuit breaker), so a
 * create/close loop ends where it started.
 */
@LarderTest
class CloseReleasesIT {
  private static final int CYCLES = 200;

  private final RedisCaches env = new RedisCaches("close-releases");

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static long larderThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("larder-cache-"))
        .count();
  }

  @Test
  void aCreateCloseLoopSharingOneBreakerEndsWithTheThreadsChannelsAndReferencesItStartedWith() {
    RedissonClient client = env.newClient();
    CircuitBreaker shared = CircuitBreaker.ofDefaults("close-releases-shared");
    String channel = InvalidationBus.CHANNEL_PREFIX + env.namespace.prefix();
    long threadsBefore = larderThreads();
    List<WeakReference<LarderCache<String>>> closed = new ArrayList<>();
    for (int i = 0; i < CYCLES; i++) {
      LarderCache<String> cache =
          env.instance(client)
              .redisCircuitBreaker(shared)
              .busHeartbeat(Duration.ofMillis(50))
              .build();
      assertThat(cache.get("k", key -> Optional.of("v"))).isEqualTo("v");
      cache.invalidate("k");
      cache.close();
      closed.add(new WeakReference<>(cache));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(larderThreads())
                  .as("cache threads after %d create/close cycles", CYCLES)
                  .isEqualTo(threadsBefore);
              assertThat(client.getTopic(channel).countSubscribers())
                  .as("subscribers of %s", channel)
                  .isZero();
            });
    // The shared breaker must not keep closed caches reachable (and logging) through its listeners.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              System.gc();
              assertThat(closed.stream().filter(r -> r.get() != null).count())
                  .as("closed caches still reachable")
                  .isZero();
            });
  }

  @Test
  void closeEndsTheWaitOfCallersJoinedToALoadAndLaterCallsAreRefused() throws Exception {
    LarderCache<String> cache =
        env.instance(env.newClient())
            .loadTimeout(Duration.ofSeconds(30))
            .redisTimeout(Duration.ofSeconds(1))
            .build();
    java.util.concurrent.CountDownLatch loading = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    var pool = env.threads(2);
    pool.submit(
        () ->
            cache.get(
                "k",
                key -> {
                  loading.countDown();
                  never.await();
                  return Optional.of("late");
                }));
    assertThat(loading.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    var joined = pool.submit(() -> cache.get("k", key -> Optional.of("joiner never loads")));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ((dev.larder.cache.internal.DefaultLarderCache<?>) cache).isLoading("k"));
    cache.close();
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> joined.get(10, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("was closed");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> cache.get("k", key -> Optional.of("v")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is closed");
    } finally {
      never.countDown();
    }
  }
}
