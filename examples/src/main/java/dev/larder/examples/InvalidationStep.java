package dev.larder.examples;

import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import java.time.Duration;
import java.util.Objects;

/**
 * The cross-instance invalidation step ({@link InvalidationWiring}): instance B holds product 42 in
 * its in-JVM tier (L1), then instance A changes the price with {@code writeThrough}.
 *
 * <p>Look at {@code writeThrough}: one call writes the database, puts the new value into both of
 * A's tiers and publishes the key on the cache's Redis channel; B drops its L1 copy when the
 * message arrives and its next read finds the new value in Redis (L2), milliseconds later, instead
 * of serving the old price for up to its L1 TTL. Holds if B sees the new price within 10 s.
 */
final class InvalidationStep {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Catalog catalog;
  private final Console console;

  InvalidationStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    LarderCache<Product> a = catalog.a().products();
    LarderCache<Product> b = catalog.b().products();
    String key = "42";
    CacheResult<Product> before = b.lookup(key, catalog::load);
    long oldPrice = Objects.requireNonNull(before.valueOrNull(), "product 42").priceCents();
    console.detail("B holds product 42 at " + oldPrice + " (served from " + before.source() + ")");

    long newPrice = oldPrice + 500;
    // Instance A changes the price: the write goes to the database, the new value into both tiers,
    // and the invalidation to every other instance over the cache's Redis channel.
    a.writeThrough(
        key,
        () ->
            Objects.requireNonNull(
                catalog.db().write(h -> Catalog.setPrice(h, 42, newPrice)).value()));
    long written = System.nanoTime();
    // Throws TimeoutException if B does not see the price within TIMEOUT.
    Catalog.Seen seen = catalog.awaitPrice(b, key, newPrice, "B to see the new price", TIMEOUT);
    long ms = Duration.ofNanos(System.nanoTime() - written).toMillis();
    console.detail(
        "B sees "
            + newPrice
            + " after "
            + ms
            + " ms (served from "
            + seen.source()
            + "); without the channel B's L1 copy would live up to its L1 TTL");
    return new Evidence(
        true, "A set price " + oldPrice + " -> " + newPrice + "; B saw it after " + ms + " ms");
  }
}
