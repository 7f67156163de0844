package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RBucket;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.RedisTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stopped and a paused (hung) Redis, met through Redisson. The testkit's Redisson config has a 1
 * s command timeout and 2 internal retries, so every attempt ends in bounded time.
 */
// A guard against hanging, not a speed claim: the whole class needs a few seconds.
@Timeout(120)
class RedisRetryIT {
  private static final Logger LOG = LoggerFactory.getLogger(RedisRetryIT.class);

  private final RedisServer redis = LarderServices.redis();
  private RedissonClient client;
  private RBucket<String> bucket;

  private final RetryPolicy policy =
      RetryPolicy.builder("redis-it")
          .maxAttempts(2)
          .initialInterval(Duration.ofMillis(10))
          .maxInterval(Duration.ofMillis(10))
          .build();

  @BeforeEach
  void connect() {
    client = redis.newRedissonClient();
    bucket = client.getBucket(redis.uniqueKeyPrefix("resilience") + "k");
    bucket.set("v");
  }

  @AfterEach
  void disconnect() {
    client.shutdown();
  }

  @Test
  void aStoppedRedisGivesATransientFailureThatIsRetried() {
    AtomicInteger attempts = new AtomicInteger();
    redis.stop();
    try {
      assertThatThrownBy(
              () ->
                  policy.call(
                      false,
                      () -> {
                        attempts.incrementAndGet();
                        return bucket.get();
                      }))
          .isInstanceOfSatisfying(
              RedisException.class,
              e -> {
                LOG.info(
                    "stopped Redis: {}",
                    FailureClassifier.causalChain(e).stream()
                        .map(t -> t.getClass().getName() + ": " + t.getMessage())
                        .toList());
                assertThat(FailureClassifiers.standard().classify(e))
                    .isEqualTo(FailureClass.TRANSIENT);
              });
      // Transient: retried even though not declared idempotent, up to maxAttempts.
      assertThat(attempts).hasValue(2);
    } finally {
      redis.start();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> "v2".equals(setAndGet("v2")));
  }

  @Test
  void aPausedRedisHitsTheResponseTimeoutInsteadOfWaitingForever() {
    AtomicInteger idempotentAttempts = new AtomicInteger();
    AtomicInteger otherAttempts = new AtomicInteger();
    redis.pause();
    try {
      assertThatThrownBy(
              () ->
                  policy.call(
                      true,
                      () -> {
                        idempotentAttempts.incrementAndGet();
                        return bucket.get();
                      }))
          .isInstanceOfSatisfying(
              RedisTimeoutException.class,
              e -> {
                LOG.info("paused Redis: {}: {}", e.getClass().getName(), e.getMessage());
                assertThat(e).isInstanceOf(RedisResponseTimeoutException.class);
                assertThat(FailureClassifiers.standard().classify(e))
                    .isEqualTo(FailureClass.UNKNOWN);
              });
      // UNKNOWN (the command may have run): repeated for an idempotent GET...
      assertThat(idempotentAttempts).hasValue(2);

      assertThatThrownBy(
              () ->
                  policy.call(
                      false,
                      () -> {
                        otherAttempts.incrementAndGet();
                        return client.getAtomicLong(bucket.getName() + ":n").incrementAndGet();
                      }))
          .isInstanceOf(RedisResponseTimeoutException.class);
      // ...but not for an INCR, which must not be applied twice.
      assertThat(otherAttempts).hasValue(1);
    } finally {
      redis.resume();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> "v3".equals(setAndGet("v3")));
  }

  private String setAndGet(String value) {
    bucket.set(value);
    return bucket.get();
  }
}
