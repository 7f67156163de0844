package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code put} (and so {@code writeThrough}) whose Redis half fails, entirely or after its first
 * Redis call: no instance may read a value older than the put afterwards, and the caller is told.
 * Real Redis; the fault is the writer's own Redis circuit breaker opening, as it does when Redis
 * times out (see {@link Faults}).
 */
@LarderTest
class PutFenceIT {
  private final RedisCaches env = new RedisCaches("put-fence");

  @AfterEach
  void tearDown() {
    env.close();
  }

  /** Writer 0 with a breaker the test controls; 1 and 2 are plain instances. */
  private Instances instances(CircuitBreaker writerBreaker) {
    int[] n = {0};
    return new Instances(env, 3, b -> n[0]++ == 0 ? b.redisCircuitBreaker(writerBreaker) : b);
  }

  @Test
  void aPutWhoseBreakerOpensAfterItsFirstRedisCallLeavesNoOlderValueReadable() {
    CircuitBreaker breaker = Faults.manualBreaker("put-fence-writer");
    Faults.TripAfterNextSuccess trip = new Faults.TripAfterNextSuccess(breaker);
    Instances in = instances(breaker);
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1"); // L2 holds v1
    in.db.put("k", "v2");
    trip.arm();
    try {
      in.get(0).put("k", "v2");
    } catch (InvalidationPendingException e) {
      // Allowed: the caller is told; what matters is what others read.
    }
    breaker.transitionToClosedState();
    // Instance 2 has never read the key: whatever it gets comes from Redis or the database.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(2, "k")).isEqualTo("v2"));
  }

  @Test
  void aPutThatCannotReachRedisThrowsPendingAndItsFenceLandsOnceRedisAnswers() {
    CircuitBreaker breaker = Faults.manualBreaker("put-pending-writer");
    Instances in = instances(breaker);
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    in.db.put("k", "v2");
    breaker.transitionToForcedOpenState();
    assertThatThrownBy(() -> in.get(0).put("k", "v2"))
        .isInstanceOf(InvalidationPendingException.class)
        .satisfies(e -> assertThat(((InvalidationPendingException) e).keys()).containsExactly("k"));
    assertThat(in.read(0, "k")).as("the writer itself serves its own write").isEqualTo("v2");
    breaker.transitionToClosedState();
    // The owed fence is retried in the background: instance 2 (empty L1) stops getting v1 from
    // Redis.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(2, "k")).isEqualTo("v2"));
  }

  @Test
  void writeThroughWhoseCacheHalfFailsSaysSoAfterTheWriteHappened() {
    CircuitBreaker breaker = Faults.manualBreaker("write-through-pending");
    Instances in = instances(breaker);
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    breaker.transitionToForcedOpenState();
    assertThatThrownBy(
            () ->
                in.get(0)
                    .writeThrough(
                        "k",
                        () -> {
                          in.db.put("k", "v2");
                          return "v2";
                        }))
        .isInstanceOf(InvalidationPendingException.class);
    assertThat(in.db.get("k")).isEqualTo("v2");
    breaker.transitionToClosedState();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(2, "k")).isEqualTo("v2"));
  }

  @Test
  void anInvalidationThatCannotReachRedisThrowsPendingAndLandsOnceRedisAnswers() {
    CircuitBreaker breaker = Faults.manualBreaker("invalidate-pending");
    Instances in = instances(breaker);
    in.db.put("a", "a1");
    in.db.put("b", "b1");
    assertThat(in.read(1, "a")).isEqualTo("a1");
    assertThat(in.read(1, "b")).isEqualTo("b1");
    in.db.put("a", "a2");
    in.db.put("b", "b2");
    breaker.transitionToForcedOpenState();
    assertThatThrownBy(() -> in.get(0).invalidateAll(java.util.List.of("a", "b")))
        .isInstanceOf(InvalidationPendingException.class);
    breaker.transitionToClosedState();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(in.read(2, "a")).isEqualTo("a2");
              assertThat(in.read(2, "b")).isEqualTo("b2");
            });
    // And the instance that held the old values in L1 was told over the bus once the fence landed.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(1, "a")).isEqualTo("a2"));
  }

  @Test
  void aClearAllThatCannotReachRedisThrowsPendingAndLandsOnceRedisAnswers() {
    CircuitBreaker breaker = Faults.manualBreaker("clear-pending");
    Instances in = instances(breaker);
    in.db.put("k", "v1");
    assertThat(in.read(1, "k")).isEqualTo("v1");
    in.db.put("k", "v2");
    breaker.transitionToForcedOpenState();
    assertThatThrownBy(() -> in.get(0).invalidateAll())
        .isInstanceOf(InvalidationPendingException.class);
    breaker.transitionToClosedState();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(2, "k")).isEqualTo("v2"));
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(in.read(1, "k")).isEqualTo("v2"));
  }
}
