package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.testkit.LarderTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease waiter learns that the holder gave up, or can no longer reach Redis, long before its
 * {@code lockWait} ends; a healthy holder keeps its lease however long its load takes. Two
 * instances, each with its own Redisson client, on the testkit's Redis.
 *
 * <p>A waiter that waits out {@code lockWait} counts {@code lock.wait.timeouts}; these tests hold
 * it at zero, and check the handover against the bound the cache README states.
 */
@LarderTest
class LeaseHandoverIT {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseHandoverIT.class);
  private static final Duration WAITER_LOAD_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration WAITER_LOCK_WAIT = Duration.ofSeconds(8);

  private final RedisCaches env = new RedisCaches("lease-handover");
  private final ExecutorService pool = env.threads(8);
  private final SimpleMeterRegistry waiterMeters = new SimpleMeterRegistry();
  private final CountDownLatch releaseHolder = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    releaseHolder.countDown();
    env.close();
  }

  private LarderCache<String> waiter() {
    return env.track(
        env.instance(env.newClient())
            .redisTimeout(Duration.ofSeconds(1))
            .loadTimeout(WAITER_LOAD_TIMEOUT)
            .lockWait(WAITER_LOCK_WAIT)
            .meterRegistry(waiterMeters)
            .build());
  }

  private double waiterCount(String meter) {
    return waiterMeters.find(meter).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** A loader that records when it starts, so the test can measure the handover. */
  private static final class WaiterLoader implements CacheLoader<String> {
    final AtomicInteger loads = new AtomicInteger();
    final AtomicLong startedNanos = new AtomicLong();

    @Override
    public Optional<String> load(String key) {
      startedNanos.compareAndSet(0, System.nanoTime());
      loads.incrementAndGet();
      return Optional.of("from-waiter");
    }
  }

  /** Starts the waiter's get and returns once it missed both tiers, i.e. it is at the lease. */
  private Future<String> waitOnLease(LarderCache<String> waiter, CacheLoader<String> loader) {
    Future<String> call = pool.submit(() -> waiter.get("k", loader));
    await().atMost(Duration.ofSeconds(10)).until(() -> waiterCount("larder.cache.misses") >= 1);
    return call;
  }

  @Test
  void waitersTakeOverAtOnceWhenTheHoldersLoadFails() throws Exception {
    LarderCache<String> holder = env.standard(env.newClient());
    LarderCache<String> waiter = waiter();
    CountDownLatch holderLoading = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);
    Future<Throwable> holderCall =
        pool.submit(
            () -> {
              try {
                holder.get(
                    "k",
                    key -> {
                      holderLoading.countDown();
                      fail.await();
                      throw new IllegalStateException("the database said no");
                    });
                return null;
              } catch (StaleValueUnavailableException expected) {
                return expected;
              }
            });
    assertThat(holderLoading.await(10, TimeUnit.SECONDS)).isTrue();
    WaiterLoader loader = new WaiterLoader();
    Future<String> waiting = waitOnLease(waiter, loader);
    long failedAt = System.nanoTime();
    fail.countDown();
    assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo("from-waiter");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(loader.startedNanos.get() - failedAt);
    LOG.info(
        "holder's load failed -> the waiter on the other instance loaded {} ms later (lockWait {})",
        tookMillis,
        WAITER_LOCK_WAIT);
    assertThat(holderCall.get(30, TimeUnit.SECONDS))
        .isInstanceOf(StaleValueUnavailableException.class);
    assertThat(loader.loads).hasValue(1);
    assertThat(waiterCount("larder.cache.lock.wait.timeouts"))
        .as("waits that ran out lockWait")
        .isZero();
  }

  @Test
  void waitersTakeOverAtOnceWhenTheHolderGaveUpAtItsLoadTimeout() throws Exception {
    // The holder's caller stops waiting after 1 s; its loader hangs on (a database call that never
    // returns). Nobody waits for that load any more: the lease must not keep others waiting either.
    LarderCache<String> holder =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofMillis(500))
                .loadTimeout(Duration.ofSeconds(1))
                .build());
    LarderCache<String> waiter = waiter();
    CountDownLatch holderLoading = new CountDownLatch(1);
    AtomicLong gaveUpAt = new AtomicLong();
    Future<Throwable> holderCall =
        pool.submit(
            () -> {
              try {
                holder.get(
                    "k",
                    key -> {
                      holderLoading.countDown();
                      releaseHolder.await();
                      return Optional.of("from-holder");
                    });
                return null;
              } catch (StaleValueUnavailableException expected) {
                gaveUpAt.set(System.nanoTime());
                return expected;
              }
            });
    assertThat(holderLoading.await(10, TimeUnit.SECONDS)).isTrue();
    WaiterLoader loader = new WaiterLoader();
    Future<String> waiting = waitOnLease(waiter, loader);
    assertThat(holderCall.get(30, TimeUnit.SECONDS))
        .isInstanceOf(StaleValueUnavailableException.class);
    assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo("from-waiter");
    LOG.info(
        "holder gave up at its 1 s loadTimeout -> the waiter loaded {} ms later (lockWait {})",
        TimeUnit.NANOSECONDS.toMillis(loader.startedNanos.get() - gaveUpAt.get()),
        WAITER_LOCK_WAIT);
    assertThat(loader.loads).hasValue(1);
    assertThat(waiterCount("larder.cache.lock.wait.timeouts"))
        .as("waits that ran out lockWait")
        .isZero();
  }

  @Test
  void aWaiterLoadsWithinOneLeasePeriodWhenTheHoldersRedisBreakerOpensMidLoad() throws Exception {
    LarderCache<String> holder = holderWithDefaultLease(env.newClient());
    holderLosesRedisMidLoad(
        holder,
        () -> holder.redisCircuitBreaker().transitionToForcedOpenState(),
        "breaker forced open");
  }

  @Test
  void aWaiterLoadsWithinOneLeasePeriodWhenTheHoldersRedisClientIsShutDownMidLoad()
      throws Exception {
    RedissonClient client = env.newClient();
    LarderCache<String> holder = holderWithDefaultLease(client);
    holderLosesRedisMidLoad(holder, client::shutdown, "Redisson client shut down");
  }

  private LarderCache<String> holderWithDefaultLease(RedissonClient client) {
    return env.track(
        env.instance(client)
            .redisTimeout(Duration.ofSeconds(1))
            .loadTimeout(WAITER_LOAD_TIMEOUT)
            .build());
  }

  private void holderLosesRedisMidLoad(LarderCache<String> holder, Runnable cut, String how)
      throws Exception {
    CountDownLatch holderLoading = new CountDownLatch(1);
    pool.submit(
        () ->
            holder.get(
                "k",
                key -> {
                  holderLoading.countDown();
                  releaseHolder.await(); // alive and slow, but it can no longer tell Redis so
                  return Optional.of("from-holder");
                }));
    assertThat(holderLoading.await(10, TimeUnit.SECONDS)).isTrue();
    WaiterLoader loader = new WaiterLoader();
    Future<String> waiting = waitOnLease(waiter(), loader);
    long cutAt = System.nanoTime();
    cut.run();
    assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo("from-waiter");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(loader.startedNanos.get() - cutAt);
    Duration bound =
        LarderCacheBuilder.DEFAULT_LOCK_LEASE
            .plus(LarderCacheBuilder.DEFAULT_LOCK_POLL_INTERVAL)
            .plusSeconds(1); // one redisTimeout: the waiter's look under way
    LOG.info(
        "holder mid-load, {} -> the waiter on the other instance loaded {} ms later (stated bound {}, lockWait {})",
        how,
        tookMillis,
        bound,
        WAITER_LOCK_WAIT);
    assertThat(loader.loads).hasValue(1);
    assertThat(waiterCount("larder.cache.lock.wait.timeouts"))
        .as("waits that ran out lockWait")
        .isZero();
    assertThat(Duration.ofMillis(tookMillis))
        .as("handover after the holder lost Redis")
        .isLessThanOrEqualTo(bound);
  }

  @Test
  void aHealthySlowHolderKeepsItsLeaseForLongerThanSeveralLeasePeriods() throws Exception {
    Duration lease = Duration.ofSeconds(1);
    LarderCache<String> holder =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofSeconds(1))
                .loadTimeout(WAITER_LOAD_TIMEOUT)
                .lockLease(lease)
                .build());
    LarderCache<String> waiter =
        env.track(
            env.instance(env.newClient())
                .redisTimeout(Duration.ofSeconds(1))
                .loadTimeout(WAITER_LOAD_TIMEOUT)
                .lockWait(WAITER_LOCK_WAIT)
                .lockLease(lease)
                .meterRegistry(waiterMeters)
                .build());
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch holderLoading = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Future<String> holderCall =
        pool.submit(
            () ->
                holder.get(
                    "k",
                    key -> {
                      loads.incrementAndGet();
                      holderLoading.countDown();
                      finish.await(30, TimeUnit.SECONDS);
                      return Optional.of("from-holder");
                    }));
    assertThat(holderLoading.await(10, TimeUnit.SECONDS)).isTrue();
    CacheLoader<String> counting =
        key -> {
          loads.incrementAndGet();
          return Optional.of("from-waiter");
        };
    List<Future<String>> waiting = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiting.add(pool.submit(() -> waiter.get("k", counting)));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> waiterCount("larder.cache.misses") >= 1);
    // Three and a half lease periods: without renewal the lease would lapse and the waiter load.
    await()
        .during(lease.multipliedBy(7).dividedBy(2))
        .atMost(lease.multipliedBy(6))
        .until(() -> loads.get() == 1);
    finish.countDown();
    assertThat(holderCall.get(30, TimeUnit.SECONDS)).isEqualTo("from-holder");
    for (Future<String> f : waiting) {
      assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("from-holder");
    }
    assertThat(loads).as("loads across both instances").hasValue(1);
    assertThat(waiterCount("larder.cache.lock.wait.timeouts")).isZero();
  }
}
