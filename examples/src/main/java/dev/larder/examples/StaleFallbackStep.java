package dev.larder.examples;

import static dev.larder.examples.Catalog.STEP_TIMEOUT;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.cache.CacheLoader;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.cache.StaleValueUnavailableException;
import dev.larder.core.KeyNamespace;
import dev.larder.jdbc.PoolPreset;
import dev.larder.jdbc.Pools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The stale-fallback step ({@link StaleFallbackWiring}): product 5 is cached with a 1 s TTL, the
 * TTL passes, and the PostgreSQL primary is stopped (on servers the program does not own, the
 * loader's own pool is closed instead, and the step says so); then the primary starts again.
 *
 * <p>Look at {@code lookup} rather than {@code get}: its {@code CacheResult} says whether the value
 * is stale, where it came from, how old it is and why the load failed, so a caller can mark the
 * answer as old. A key that was never cached has nothing to fall back on and fails with {@code
 * StaleValueUnavailableException}. Once the primary answers again the next lookup is fresh. Holds
 * if the value was fresh, then served stale past its TTL, the uncached key failed that way, and
 * (when the program owns the primary) a fresh value came back after the restart.
 */
final class StaleFallbackStep {
  private final Catalog catalog;
  private final Console console;

  StaleFallbackStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    Servers servers = catalog.servers();
    Servers.Faults faults = servers.faults();
    // The loader has a pool of its own so the outage can also be shown on servers we do not own.
    HikariDataSource loaderPool =
        Pools.builder(PoolPreset.OLTP, servers.primaryUrl())
            .credentials(servers.user(), servers.password())
            .poolName("catalog-loader")
            .maximumPoolSize(2)
            .minimumIdle(1)
            .connectionTimeout(Duration.ofMillis(500))
            .build();
    catalog.closeAtEnd(loaderPool);
    CacheLoader<Product> loader =
        key -> {
          try (Connection c = loaderPool.getConnection()) {
            return findProduct(c, Catalog.idOf(key));
          }
        };
    Duration ttl = Duration.ofSeconds(1);
    LarderCache<Product> cache =
        StaleFallbackWiring.staleTolerantCache(
            catalog.a().redisson(),
            KeyNamespace.of("catalog-stale-" + catalog.runId(), 1),
            ttl,
            Duration.ofMinutes(10),
            Duration.ofMillis(loaderPool.getConnectionTimeout()));
    catalog.closeAtEnd(cache);

    CacheResult<Product> fresh = cache.lookup("5", loader);
    console.detail("product 5 loaded: " + describe(fresh) + "; TTL " + Console.seconds(ttl));
    Thread.sleep(
        ttl.toMillis() + 200); // let the entry's TTL pass: from now on it is only a stale fallback
    boolean stopped = faults.canStopDatabase();
    if (stopped) {
      console.detail("stopping the PostgreSQL primary ...");
      faults.stopDatabase();
    } else {
      console.detail("external servers: simulating the outage by closing the loader's pool");
      loaderPool.close();
    }
    CacheResult<Product> stale;
    String uncached;
    try {
      stale = cache.lookup("5", loader);
      console.detail("after TTL, database down: " + describe(stale));
      try {
        cache.lookup("6", loader);
        uncached = "served (wrong)";
      } catch (StaleValueUnavailableException e) {
        uncached = "StaleValueUnavailableException";
        console.detail(
            "a product never cached: "
                + e.getClass().getSimpleName()
                + " (cause "
                + rootCause(e).getClass().getSimpleName()
                + ")");
      }
    } finally {
      if (stopped) {
        console.detail("starting the primary again ...");
        faults.startDatabase();
      }
    }

    String recovered = "not checked (external servers)";
    boolean recoveredOk = true;
    if (stopped) {
      AtomicReference<CacheResult<Product>> last = new AtomicReference<>();
      Duration back =
          console.await(
              "a fresh load after the restart",
              STEP_TIMEOUT,
              () -> {
                try {
                  CacheResult<Product> r = cache.lookup("5", loader);
                  last.set(r);
                  return !r.isStale();
                } catch (RuntimeException e) {
                  return false;
                }
              });
      recovered = "fresh again after " + Console.seconds(back);
      CacheResult<Product> freshAgain = Objects.requireNonNull(last.get(), "the last lookup");
      console.detail("primary up: " + describe(freshAgain));
      recoveredOk = !freshAgain.isStale();
    }
    boolean held =
        !fresh.isStale()
            && stale.isStale()
            && stale.isPresent()
            && stale.age().compareTo(ttl) > 0
            && "StaleValueUnavailableException".equals(uncached)
            && recoveredOk;
    return new Evidence(
        held,
        "stale value served, age "
            + Console.seconds(stale.age())
            + " (cause "
            + stale.failure().map(f -> rootCause(f).getClass().getSimpleName()).orElse("none")
            + "); uncached -> "
            + uncached
            + "; "
            + recovered);
  }

  private static Optional<Product> findProduct(Connection c, long id) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + Product.COLUMNS + " FROM product WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Product.fromRow(rs)) : Optional.empty();
      }
    }
  }

  /** One line: fresh or STALE, the price, which tier answered, the value's age, the failure. */
  private static String describe(CacheResult<Product> r) {
    Product p = r.valueOrNull();
    return (r.isStale() ? "STALE" : "fresh")
        + " price "
        + (p == null ? "-" : p.priceCents())
        + " from "
        + r.source()
        + ", age "
        + Console.millis(r.age())
        + r.failure()
            .map(f -> ", load failed: " + rootCause(f).getClass().getSimpleName())
            .orElse("");
  }

  @SuppressWarnings("ReferenceEquality") // a cause chain that points at itself ends the walk
  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
