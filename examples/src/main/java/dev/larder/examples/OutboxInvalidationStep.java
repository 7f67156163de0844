package dev.larder.examples;

import dev.larder.cache.LarderCache;
import dev.larder.core.InvalidationSource;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;

/**
 * The outbox invalidation step ({@link OutboxInvalidationWiring}): the price of product 42 changes
 * by a plain SQL {@code UPDATE}, with no cache call anywhere, as a batch job or an admin's {@code
 * psql} would change it, and instance B still stops serving the old price.
 *
 * <p>Look at the set-up first: the outbox tables and a capture trigger on {@code product(id)} are
 * installed, and only instance A is bound to the outbox source; {@code bind} returns once the
 * source is reading, because a new consumer starts at the outbox's end as of its connection. Then
 * the path the printed line spells out: the trigger writes an outbox row in the update's
 * transaction, NOTIFY wakes A's source, which invalidates the key in Redis and, over the cache's
 * channel, in B. Holds once B serves the new price (the step fails on a 10 s timeout otherwise).
 */
final class OutboxInvalidationStep {
  private final Catalog catalog;
  private final Console console;

  OutboxInvalidationStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    Servers servers = catalog.servers();
    LarderCache<Product> a = catalog.a().products();
    LarderCache<Product> b = catalog.b().products();
    OutboxInvalidationWiring.install(catalog.primaryPool(), a.name());
    InvalidationSource source =
        OutboxInvalidationWiring.source(
            servers.primaryUrl(), servers.user(), servers.password(), "catalog-a");
    catalog.closeAtEnd(source);
    // bind() waits until the source reads (awaitReady): a new consumer starts at the outbox's end
    // as of its connect, so a change committed before that would never reach it.
    long bindStart = System.nanoTime();
    catalog.closeAtEnd(OutboxInvalidationWiring.bind(a, source));
    long readyMs = Duration.ofNanos(System.nanoTime() - bindStart).toMillis();
    console.detail(
        "outbox + capture trigger on product(id) installed; instance A bound to the outbox source (reading after "
            + readyMs
            + " ms)");

    String key = "42";
    long oldPrice = Objects.requireNonNull(b.get(key, catalog::load), "product 42").priceCents();
    long newPrice = oldPrice + 100;
    // Another program changes the price: plain SQL, no cache call anywhere.
    try (Connection c = catalog.primaryPool().getConnection()) {
      Catalog.updatePrice(c, 42, newPrice);
    }
    long written = System.nanoTime();
    // Throws TimeoutException if B does not see the price within 10 s.
    Catalog.Seen seen =
        catalog.awaitPrice(
            b, key, newPrice, "B to see the price written by SQL", Duration.ofSeconds(10));
    long ms = Duration.ofNanos(System.nanoTime() - written).toMillis();
    console.detail(
        "UPDATE committed by SQL alone; B serves "
            + newPrice
            + " after "
            + ms
            + " ms (from "
            + seen.source()
            + "): trigger -> outbox row -> NOTIFY -> A's source -> Redis + channel -> B");
    return new Evidence(
        true, "SQL-only update " + oldPrice + " -> " + newPrice + "; B saw it after " + ms + " ms");
  }
}
