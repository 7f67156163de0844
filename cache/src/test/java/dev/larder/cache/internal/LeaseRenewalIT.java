package dev.larder.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.cache.internal.RedisTier.Keys;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.RedisServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The pause a renewed lease survives, as stated in {@code LarderCacheBuilder.lockLease}: renewals
 * go out every third of the lease, so a holder whose renewals stall (a GC pause, a starved host)
 * for less than two thirds of the lease, minus a round trip, keeps it, whenever the stall begins; a
 * longer stall lets it lapse. The stall is made by holding the renewal thread.
 */
@LarderTest
class LeaseRenewalIT {
  private static final long LEASE_MILLIS = 1_500;

  private final RedisServer server = LarderServices.redis();
  private final RedissonClient client = server.newRedissonClient();
  private final String prefix = server.uniqueKeyPrefix("lease-renewal");
  private final RedisTier tier =
      new RedisTier(
          client,
          CircuitBreaker.ofDefaults("lease-renewal-it"),
          Duration.ofSeconds(1),
          CacheMetrics.NOOP,
          prefix,
          () -> {},
          () -> {},
          60_000);
  private final ScheduledThreadPoolExecutor renewals = new ScheduledThreadPoolExecutor(1);

  @AfterEach
  void tearDown() {
    renewals.shutdownNow();
    client.shutdown();
  }

  private Keys lease(String key, String token) {
    return lease(key, token, LEASE_MILLIS);
  }

  private Keys lease(String key, String token, long millis) {
    Keys keys = Keys.of(prefix + key);
    assertThat(tier.acquire(List.of(keys), token, millis).get(0).acquired()).isTrue();
    return keys;
  }

  private String holder(Keys keys) {
    return client.<String>getBucket(keys.lease(), StringCodec.INSTANCE).get();
  }

  /** Holds the renewal thread for {@code millis}, as a stop-the-world pause would. */
  private void stall(long millis) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    renewals.execute(
        () -> {
          started.countDown();
          try {
            never.await(millis, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aRenewedLeaseOutlivesManyLeasePeriodsAndStallsShorterThanTwoThirdsOfIt() throws Exception {
    Keys keys = lease("k", "me");
    LeaseRenewal renewal =
        LeaseRenewal.start(renewals, tier, List.of(keys), "me", 0, LEASE_MILLIS, Long.MAX_VALUE);
    // Three stalls of 0.7 s (a third of the lease is 0.5 s, two thirds 1 s), each starting at a
    // different point of the renewal cycle, then a full lease period to let a lapse show.
    for (long gap : new long[] {0, 170, 340}) {
      await().pollDelay(Duration.ofMillis(gap)).until(() -> true);
      stall(700);
      await().atMost(Duration.ofSeconds(2)).until(() -> renewals.getActiveCount() == 0);
    }
    await()
        .during(Duration.ofMillis(LEASE_MILLIS))
        .atMost(Duration.ofSeconds(5))
        .until(() -> "me".equals(holder(keys)));
    renewal.stop();
    assertThat(holder(keys)).isEqualTo("me");
  }

  @Test
  void aStallLongerThanTheLeaseLetsItLapseAndRenewalNeverTakesItBack() throws Exception {
    Keys keys = lease("k2", "me");
    LeaseRenewal renewal =
        LeaseRenewal.start(renewals, tier, List.of(keys), "me", 0, LEASE_MILLIS, Long.MAX_VALUE);
    stall(LEASE_MILLIS + 1_000);
    await().atMost(Duration.ofSeconds(5)).until(() -> holder(keys) == null);
    lease(
        "k2", "other",
        60_000); // another instance takes it over (and, unrenewed here, keeps it a minute)
    await().atMost(Duration.ofSeconds(5)).until(() -> renewals.getActiveCount() == 0);
    // The first holder's renewals go on, and leave the other's lease alone.
    await()
        .during(Duration.ofMillis(LEASE_MILLIS / 2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> "other".equals(holder(keys)));
    renewal.stop();
  }

  @Test
  void renewalStopsAtTheHoldersDeadline() {
    Keys keys = lease("k3", "me");
    LeaseRenewal.start(
        renewals,
        tier,
        List.of(keys),
        "me",
        0,
        LEASE_MILLIS,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS));
    // Renewed until the deadline at most (to no later than it), so gone within a lease of it.
    await().atMost(Duration.ofMillis(3 * LEASE_MILLIS)).until(() -> holder(keys) == null);
  }
}
