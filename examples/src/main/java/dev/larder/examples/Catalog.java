package dev.larder.examples;

import com.mongodb.client.MongoClient;
import com.zaxxer.hikari.HikariDataSource;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.RoutingJdbi;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * The catalog service as the scenario builds it up, and what its steps share: the servers, the two
 * pools, the replica router and its JDBI facade, the two instances A and B, the MongoDB client, and
 * the service's own data access (the cache's loader, price updates).
 *
 * <p>Each piece is made by the step that shows it: the pools by {@link PoolTuningStep}, the router
 * by {@link ReplicaRoutingSteps#migrate()}, the instances by {@link CacheAsideStep}, the MongoDB
 * client by {@link MongoStep}. A later step that finds a piece missing (because the step that makes
 * it failed) fails with "an earlier step did not set this up". Whatever a step opens it hands to
 * {@link #closeAtEnd}; {@link #close()} closes it all, last opened first.
 *
 * <p>Not thread-safe: one scenario run at a time (a step may use it from several threads once it is
 * set up, as the stampede does).
 */
final class Catalog implements AutoCloseable {
  /** How many products the seed migration creates. */
  static final int SEEDED_PRODUCTS = 1000;

  /**
   * The product cache's name: its Redis prefix, its channel, and the outbox trigger's cache name.
   */
  static final String PRODUCTS_CACHE = "products";

  /** How long a step waits for what it expects (a standby's return, a stampede's answers). */
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);

  /**
   * One instance of the catalog service: its own Redis client and product cache, sharing Redis and
   * the database with the other instance as two processes would.
   *
   * @param redisson the instance's Redis client
   * @param products the instance's product cache
   */
  record Instance(RedissonClient redisson, LarderCache<Product> products) {}

  private final Servers servers;
  private final Console console;
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final String runId =
      Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);

  private @Nullable HikariDataSource primaryPool;
  private @Nullable HikariDataSource standbyPool;
  private @Nullable ReplicaRouter router;
  private @Nullable RoutingJdbi db;
  private @Nullable Instance a;
  private @Nullable Instance b;
  private @Nullable MongoClient mongoClient;

  /**
   * A catalog on the given servers, nothing opened yet.
   *
   * @param servers where the servers are
   * @param console where {@link #close()} reports what failed to close
   */
  Catalog(Servers servers, Console console) {
    this.servers = servers;
    this.console = console;
  }

  Servers servers() {
    return servers;
  }

  /** Tells this run's names (a Redis namespace, a MongoDB collection) from earlier runs'. */
  String runId() {
    return runId;
  }

  /** This run's reviews collection: a new one each run, so a re-run starts empty. */
  String reviewsCollection() {
    return "reviews_" + runId;
  }

  // ---- the pieces, set by the step that shows them ------------------------------------------

  void setPrimaryPool(HikariDataSource pool) {
    primaryPool = pool;
  }

  HikariDataSource primaryPool() {
    return require(primaryPool);
  }

  void setStandbyPool(HikariDataSource pool) {
    standbyPool = pool;
  }

  HikariDataSource standbyPool() {
    return require(standbyPool);
  }

  void setRouter(ReplicaRouter router) {
    this.router = router;
  }

  ReplicaRouter router() {
    return require(router);
  }

  void setDb(RoutingJdbi db) {
    this.db = db;
  }

  /**
   * The JDBI facade over the router: reads on the standby when it is fit, writes on the primary.
   */
  RoutingJdbi db() {
    return require(db);
  }

  void setInstances(Instance a, Instance b) {
    this.a = a;
    this.b = b;
  }

  Instance a() {
    return require(a);
  }

  Instance b() {
    return require(b);
  }

  void setMongoClient(MongoClient client) {
    mongoClient = client;
  }

  MongoClient mongoClient() {
    return require(mongoClient);
  }

  /**
   * Closes {@code closeable} when the scenario ends, before anything handed over earlier.
   *
   * @param closeable what a step opened
   */
  void closeAtEnd(AutoCloseable closeable) {
    closeables.push(closeable);
  }

  /** Closes everything handed to {@link #closeAtEnd}, last first, reporting what fails. */
  @Override
  public void close() {
    while (!closeables.isEmpty()) {
      try {
        closeables.pop().close();
      } catch (Exception e) {
        console.detail("closing: " + e);
      }
    }
  }

  private static <T> T require(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException("an earlier step did not set this up");
    }
    return value;
  }

  // ---- the service's data access ------------------------------------------------------------

  /** Where an instance served a product from once it had the awaited price. */
  record Seen(CacheResult.Source source) {}

  /**
   * Waits until {@code cache} serves product {@code key} at {@code priceCents}, looking it up (with
   * {@link #load} on a miss) until then.
   *
   * @throws TimeoutException if it does not within {@code timeout}
   */
  Seen awaitPrice(
      LarderCache<Product> cache, String key, long priceCents, String what, Duration timeout)
      throws TimeoutException, InterruptedException {
    AtomicReference<CacheResult<Product>> seen = new AtomicReference<>();
    console.await(
        what,
        timeout,
        () -> {
          CacheResult<Product> r = cache.lookup(key, this::load);
          seen.set(r);
          Product p = r.valueOrNull();
          return p != null && p.priceCents() == priceCents;
        });
    return new Seen(Objects.requireNonNull(seen.get()).source());
  }

  /**
   * The cache's loader. It reads the primary: an invalidation can arrive before the standby has
   * replayed the write that caused it, and a load from the standby would then put the old value
   * back for a whole TTL. Misses are rare; the cache keeps the read load off the database anyway.
   *
   * @param key the cache key, a product id
   * @return the product, or empty if there is none
   */
  Optional<Product> load(String key) {
    return db().read(
            ReadIntent.strong(),
            h ->
                h.createQuery("SELECT " + Product.COLUMNS + " FROM product WHERE id = :id")
                    .bind("id", idOf(key))
                    .map((rs, ctx) -> Product.fromRow(rs))
                    .findOne());
  }

  /** The product id in a cache key ({@code "42"}, or {@code "ns:42"}). */
  static long idOf(String key) {
    return Long.parseLong(key.substring(key.indexOf(':') + 1));
  }

  /** Sets a product's price through JDBI, as the service writes it. */
  static Product setPrice(Handle h, long id, long priceCents) {
    return h.createQuery(
            "UPDATE product SET price_cents = :price, updated_at = now() WHERE id = :id RETURNING "
                + Product.COLUMNS)
        .bind("price", priceCents)
        .bind("id", id)
        .map((rs, ctx) -> Product.fromRow(rs))
        .one();
  }

  /** Sets a product's price with plain JDBC, as another program (or a transaction) would. */
  static Product updatePrice(Connection c, long id, long price) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE product SET price_cents = ?, updated_at = now()"
                + " WHERE id = ? RETURNING "
                + Product.COLUMNS)) {
      ps.setLong(1, price);
      ps.setLong(2, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Product.fromRow(rs);
      }
    }
  }
}
