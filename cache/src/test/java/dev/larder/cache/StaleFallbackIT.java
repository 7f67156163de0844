package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.PostgresCluster;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@LarderTest
class StaleFallbackIT {
  private final ManualTimeSource clock = ManualTimeSource.startingAt(Instant.now());
  private final RedisCaches env = new RedisCaches("stale");
  private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("stale-test-loader");

  @AfterEach
  void tearDown() {
    env.close();
  }

  private LarderCache<String> cache(Duration loadTimeout) {
    return env.track(
        env.instance(env.newClient())
            .timeSource(clock)
            .ttl(Duration.ofSeconds(1))
            .ttlJitter(0)
            .maxStale(Duration.ofSeconds(10))
            .l1Ttl(Duration.ofSeconds(1))
            .earlyRefreshBeta(0)
            .loaderCircuitBreaker(breaker)
            .redisTimeout(loadTimeout.dividedBy(2))
            .loadTimeout(loadTimeout)
            .lockLease(Duration.ofSeconds(10))
            .build());
  }

  @Test
  void aFailedLoadServesTheStaleValueWithItsAgeUntilMaxStaleThenFailsTyped() {
    LarderCache<String> cache = cache(Duration.ofSeconds(5));
    assertThat(cache.get("k", key -> Optional.of("v1"))).isEqualTo("v1");
    clock.advance(Duration.ofSeconds(3)); // soft TTL (1 s) passed, max-stale (10 s) not
    IllegalStateException dbDown = new IllegalStateException("database down");
    CacheResult<String> r =
        cache.lookup(
            "k",
            key -> {
              throw dbDown;
            });
    assertThat(r.isStale()).isTrue();
    assertThat(r.valueOrNull()).isEqualTo("v1");
    assertThat(r.age()).isEqualTo(Duration.ofSeconds(3));
    assertThat(r.failure()).containsSame(dbDown);

    clock.advance(Duration.ofSeconds(9)); // 12 s old: past ttl + maxStale
    assertThatThrownBy(
            () ->
                cache.get(
                    "k",
                    key -> {
                      throw dbDown;
                    }))
        .isInstanceOf(StaleValueUnavailableException.class)
        .hasCause(dbDown)
        .hasMessageContaining("key 'k'");
  }

  @Test
  void whileTheDatabaseIsStoppedTheStaleValueIsServedUntilMaxStaleThenTheTypedException()
      throws Exception {
    PostgresCluster postgres = LarderServices.postgres();
    DataSource db = postgres.primary().dataSource(postgres.createDatabase("stale"));
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("create table prices (id text primary key, price text not null)");
      s.execute("insert into prices values ('p1', '9.99')");
    }
    CacheLoader<String> fromDatabase =
        key -> {
          try (Connection c = db.getConnection();
              PreparedStatement ps = c.prepareStatement("select price from prices where id = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        };
    LarderCache<String> cache = cache(Duration.ofSeconds(5));
    assertThat(cache.get("p1", fromDatabase)).isEqualTo("9.99");
    clock.advance(Duration.ofSeconds(3));
    postgres.primary().stop();
    try {
      CacheResult<String> r = cache.lookup("p1", fromDatabase);
      assertThat(r.isStale()).isTrue();
      assertThat(r.valueOrNull()).isEqualTo("9.99");
      assertThat(r.age()).isEqualTo(Duration.ofSeconds(3));
      assertThat(r.failure()).containsInstanceOf(SQLException.class);

      clock.advance(Duration.ofSeconds(9)); // past ttl + maxStale
      assertThatThrownBy(() -> cache.get("p1", fromDatabase))
          .isInstanceOf(StaleValueUnavailableException.class)
          .hasCauseInstanceOf(SQLException.class);
    } finally {
      postgres.primary().start();
    }
    assertThat(cache.get("p1", fromDatabase))
        .as("loads again once the database is back")
        .isEqualTo("9.99");
  }

  @Test
  void anotherInstanceServesTheStaleValueFromRedis() {
    LarderCache<String> first = cache(Duration.ofSeconds(5));
    LarderCache<String> second = cache(Duration.ofSeconds(5));
    first.get("k", key -> Optional.of("v1"));
    clock.advance(Duration.ofSeconds(2));
    CacheResult<String> r =
        second.lookup(
            "k",
            key -> {
              throw new IllegalStateException("database down");
            });
    assertThat(r.isStale()).isTrue();
    assertThat(r.source()).isEqualTo(CacheResult.Source.L2);
    assertThat(r.valueOrNull()).isEqualTo("v1");
  }

  @Test
  void anOpenBreakerServesStaleWithoutCallingTheLoader() {
    LarderCache<String> cache = cache(Duration.ofSeconds(5));
    cache.get("k", key -> Optional.of("v1"));
    clock.advance(Duration.ofSeconds(2));
    breaker.transitionToForcedOpenState();
    AtomicInteger calls = new AtomicInteger();
    CacheLoader<String> counting =
        key -> {
          calls.incrementAndGet();
          return Optional.of("v2");
        };
    CacheResult<String> r = cache.lookup("k", counting);
    assertThat(r.isStale()).isTrue();
    assertThat(r.valueOrNull()).isEqualTo("v1");
    assertThat(r.failure()).containsInstanceOf(CallNotPermittedException.class);
    assertThatThrownBy(() -> cache.get("never-cached", counting))
        .isInstanceOf(StaleValueUnavailableException.class)
        .hasCauseInstanceOf(CallNotPermittedException.class);
    clock.advance(Duration.ofSeconds(10));
    assertThatThrownBy(() -> cache.get("k", counting))
        .isInstanceOf(StaleValueUnavailableException.class)
        .hasCauseInstanceOf(CallNotPermittedException.class);
    assertThat(calls).hasValue(0);
  }

  @Test
  void aLoadThatTimesOutServesStaleAndStillFillsTheCacheWhenItEnds() throws Exception {
    LarderCache<String> cache = cache(Duration.ofSeconds(1));
    cache.get("k", key -> Optional.of("v1"));
    clock.advance(Duration.ofSeconds(2));
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    CacheResult<String> r =
        cache.lookup(
            "k",
            key -> {
              try {
                release.await();
                return Optional.of("v2");
              } finally {
                finished.countDown();
              }
            });
    assertThat(r.isStale()).isTrue();
    assertThat(r.failure()).containsInstanceOf(TimeoutException.class);
    release.countDown();
    assertThat(finished.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "v2".equals(cache.get("k", key -> Optional.of("loaded again"))));
  }

  @Test
  void withNothingCachedAFailedLoadThrowsTheTypedExceptionCarryingTheCause() {
    LarderCache<String> cache = cache(Duration.ofSeconds(5));
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(
            () ->
                cache.lookup(
                    "missing",
                    key -> {
                      throw boom;
                    }))
        .isInstanceOf(StaleValueUnavailableException.class)
        .isInstanceOf(dev.larder.core.LarderException.class)
        .hasCause(boom);
  }

  @Test
  void theDefaultLoaderBreakerOpensAtLowTrafficAndFreshReadsResumeWithinSecondsOfTheDatabase()
      throws Exception {
    // The builder's own breaker, real time: one read every 300 ms while "the database" is down.
    LarderCache<String> cache =
        env.track(
            env.instance(env.newClient())
                .ttl(Duration.ofMillis(200))
                .ttlJitter(0)
                .maxStale(Duration.ofMinutes(1))
                .l1Ttl(Duration.ofMillis(200))
                .earlyRefreshBeta(0)
                .loadTimeout(Duration.ofSeconds(2))
                .redisTimeout(Duration.ofMillis(500))
                .build());
    java.util.concurrent.atomic.AtomicBoolean down =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    CacheLoader<String> db =
        key -> {
          calls.incrementAndGet();
          if (down.get()) {
            throw new IllegalStateException("connection refused");
          }
          return Optional.of("fresh");
        };
    assertThat(cache.get("k", db)).isEqualTo("fresh");
    down.set(true);
    long t0 = System.nanoTime();
    while (cache.loaderCircuitBreaker().getState() != CircuitBreaker.State.OPEN) {
      assertThat(cache.lookup("k", db).valueOrNull())
          .isEqualTo("fresh"); // the stale copy while the load fails
      assertThat(System.nanoTime() - t0)
          .as("opened at 0.3 calls/s")
          .isLessThan(Duration.ofSeconds(10).toNanos());
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
    }
    int callsToOpen = calls.get() - 1;
    down.set(false); // the database answers again
    long back = System.nanoTime();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !cache.lookup("k", db).isStale());
    long freshAfterMs = (System.nanoTime() - back) / 1_000_000;
    org.slf4j.LoggerFactory.getLogger(StaleFallbackIT.class)
        .info(
            "default loader breaker: opened after {} failed loads at ~3 calls/s; fresh reads {} ms after the database came back",
            callsToOpen,
            freshAfterMs);
    assertThat(callsToOpen).isLessThanOrEqualTo(8);
  }
}
