package dev.larder.examples;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.zaxxer.hikari.HikariDataSource;
import dev.larder.cache.CacheLoader;
import dev.larder.cache.CacheResult;
import dev.larder.cache.LarderCache;
import dev.larder.cache.StaleValueUnavailableException;
import dev.larder.core.FailureClassifier;
import dev.larder.core.InvalidationSource;
import dev.larder.core.KeyNamespace;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.Migrations;
import dev.larder.jdbc.PoolPreset;
import dev.larder.jdbc.Pools;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.ReplicaStatus;
import dev.larder.jdbc.RoutingJdbi;
import dev.larder.jdbc.ServerSettingsCheck;
import dev.larder.jdbc.Written;
import dev.larder.jdbc.keyset.JdbiKeyset;
import dev.larder.mongo.CachedRepository;
import dev.larder.mongo.MongoRouter;
import dev.larder.mongo.keyset.MongoKeyset;
import dev.larder.resilience.FailureClassifiers;
import dev.larder.resilience.RetryPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;

/**
 * The scripted walk through the catalog service: each step exercises one pattern against the real
 * servers and records whether its evidence held. Two "instances" of the service (A and B) run in
 * this JVM, each with its own Redis client and cache, sharing the database and Redis as two
 * processes would.
 *
 * <p>Run it with {@link #run()}; it closes everything it opened. Not thread-safe (one run at a
 * time).
 */
public final class CatalogScenario {
  /** How many products the seed migration creates. */
  static final int SEEDED_PRODUCTS = 1000;

  private static final int STAMPEDE_CALLERS = 200;
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);

  /**
   * The product cache's name: its Redis prefix, its channel, and the outbox trigger's cache name.
   */
  static final String PRODUCTS_CACHE = "products";

  private final Servers servers;
  private final Console console;
  private final List<StepResult> results = new ArrayList<>();
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final String runId =
      Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);

  private @Nullable HikariDataSource primaryPool;
  private @Nullable HikariDataSource standbyPool;
  private @Nullable ReplicaRouter router;
  private @Nullable RoutingJdbi db;
  private @Nullable LarderCache<Product> cacheA;
  private @Nullable LarderCache<Product> cacheB;
  private @Nullable RedissonClient redissonA;
  private @Nullable RedissonClient redissonB;
  private @Nullable MongoClient mongoClient;
  private final String reviews = "reviews_" + runId;

  /**
   * A scenario against the given servers.
   *
   * @param servers where the servers are
   * @param console where to print
   */
  CatalogScenario(Servers servers, Console console) {
    this.servers = servers;
    this.console = console;
  }

  /**
   * Runs every step and closes what it opened.
   *
   * @return each step's result, in order
   */
  List<StepResult> run() {
    try {
      step("pools sized by presets, checked by the server", "PoolTuningWiring", this::pools);
      step(
          "Flyway migrations + seed, standby replays first",
          "ReplicaRoutingWiring",
          this::migrations);
      step("200 concurrent gets of a cold product", "CacheAsideWiring", this::stampede);
      step("price update on A, B's copy invalidated", "InvalidationWiring", this::invalidation);
      step(
          "price changed by SQL alone: outbox invalidates",
          "OutboxInvalidationWiring",
          this::outbox);
      step("standby replay paused: reads go to primary", "ReplicaRoutingWiring", this::replicaLag);
      step(
          "write + read-your-writes via token header",
          "ReplicaRoutingWiring",
          this::readYourWrites);
      step("transient failure injected: retried", "RetryWiring", this::retry);
      step("keyset pages walked with cursors", "KeysetPagingWiring", this::keyset);
      step("reviews in MongoDB via the router", "MongoWiring", this::mongo);
      step(
          "cached reviews follow edits made anywhere",
          "MongoInvalidationWiring",
          this::mongoChanges);
      step("database down: stale value served", "StaleFallbackWiring", this::staleFallback);
    } finally {
      closeAll();
    }
    return List.copyOf(results);
  }

  /** What a step proves: whether the evidence held, and one line of it. */
  private record Evidence(boolean held, String line) {}

  @FunctionalInterface
  private interface Step {
    Evidence run() throws Exception;
  }

  private void step(String title, String wiring, Step step) {
    int number = results.size() + 1;
    console.step(number, title, wiring);
    long start = System.nanoTime();
    Evidence evidence;
    try {
      evidence = step.run();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      evidence = new Evidence(false, "failed: " + e);
      console.detail("FAILED: " + e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    console.detail((evidence.held() ? "holds: " : "DOES NOT HOLD: ") + evidence.line());
    results.add(new StepResult(number, title, wiring, evidence.held(), evidence.line(), took));
  }

  // ---- steps -------------------------------------------------------------------------------

  private Evidence pools() throws SQLException {
    HikariDataSource primary =
        PoolTuningWiring.primaryPool(servers.primaryUrl(), servers.user(), servers.password());
    primaryPool = primary;
    HikariDataSource standby =
        PoolTuningWiring.standbyPool(servers.standbyUrl(), servers.user(), servers.password());
    standbyPool = standby;
    int expected =
        PoolPreset.OLTP.recommendedPoolSize(
            PoolTuningWiring.DATABASE_CORES, PoolTuningWiring.EXPECTED_CONCURRENCY);
    console.detail(
        "OLTP preset: maximumPoolSize = min(callers "
            + PoolTuningWiring.EXPECTED_CONCURRENCY
            + ", 2 x cores "
            + PoolTuningWiring.DATABASE_CORES
            + " + 1) = "
            + expected
            + "; primary pool "
            + primary.getMaximumPoolSize()
            + ", standby pool (REPLICA, read-only) "
            + standby.getMaximumPoolSize()
            + ", connectionTimeout "
            + primary.getConnectionTimeout()
            + " / "
            + standby.getConnectionTimeout()
            + " ms");
    ServerSettingsCheck.Report report = PoolTuningWiring.check(2, primary);
    console.detail(
        "server reports max_connections "
            + report.server().maxConnections()
            + ", idle_session_timeout "
            + report.server().idleSessionTimeout()
            + "; findings for 2 instances: "
            + (report.findings().isEmpty() ? "none" : report.findings()));
    boolean held =
        primary.getMaximumPoolSize() == expected
            && standby.getMaximumPoolSize() == expected
            && standby.isReadOnly()
            && !report.hasContradictions();
    return new Evidence(
        held,
        "pools "
            + primary.getMaximumPoolSize()
            + "+"
            + standby.getMaximumPoolSize()
            + " = min(16, 2x2+1); server check: "
            + count(report, ServerSettingsCheck.Severity.CONTRADICTION)
            + " contradictions");
  }

  private static long count(
      ServerSettingsCheck.Report report, ServerSettingsCheck.Severity severity) {
    return report.findings().stream().filter(f -> f.severity() == severity).count();
  }

  private Evidence migrations() throws Exception {
    ReplicaRouter r = ReplicaRoutingWiring.router(require(primaryPool), require(standbyPool));
    router = r;
    closeables.push(r);
    Migrations.Result result = ReplicaRoutingWiring.migrate(r);
    db = ReplicaRoutingWiring.jdbi(r);
    console.detail(
        "Flyway: "
            + result.migrationsExecuted()
            + " migration(s) run, schema version "
            + result.targetVersion()
            + ", late replicas "
            + result.lateReplicas()
            + ", pools recycled "
            + result.evictedPools());
    console.await(
        "standby back in rotation", STEP_TIMEOUT, () -> r.replica("standby").inRotation());
    long[] countAndStandby =
        db().read(
                h ->
                    h.createQuery(
                            "SELECT count(*), CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END FROM product")
                        .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)})
                        .one());
    boolean onStandby = countAndStandby[1] == 1;
    console.detail(
        "a default read counts "
            + countAndStandby[0]
            + " products, served by the "
            + (onStandby ? "standby" : "primary"));
    // Cross-check in Flyway's own history: what the database says, not what the library reports.
    String version =
        db().read(
                ReadIntent.strong(),
                h ->
                    h.createQuery(
                            "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1")
                        .mapTo(String.class)
                        .one());
    boolean held =
        "2".equals(version)
            && result.lateReplicas().isEmpty()
            && countAndStandby[0] >= SEEDED_PRODUCTS
            && onStandby;
    return new Evidence(
        held,
        "schema v"
            + version
            + " ("
            + result.migrationsExecuted()
            + " run now); "
            + countAndStandby[0]
            + " products read on the standby");
  }

  private Evidence stampede() throws Exception {
    KeyNamespace ns = KeyNamespace.of(PRODUCTS_CACHE, 1);
    RedissonClient a = CacheAsideWiring.redisson(servers.redisUri());
    closeables.push(a::shutdown);
    redissonA = a;
    RedissonClient b = CacheAsideWiring.redisson(servers.redisUri());
    closeables.push(b::shutdown);
    redissonB = b;
    LarderCache<Product> ca = InvalidationWiring.productCache(a, ns);
    closeables.push(ca);
    cacheA = ca;
    LarderCache<Product> cb = InvalidationWiring.productCache(b, ns);
    closeables.push(cb);
    cacheB = cb;
    ca.invalidateAll(); // servers we do not own may hold a previous run's values: start cold

    AtomicInteger loadsOnA = new AtomicInteger();
    AtomicInteger loadsOnB = new AtomicInteger();
    CacheLoader<Product> loaderA = slowLoader(loadsOnA);
    CacheLoader<Product> loaderB = slowLoader(loadsOnB);
    String key = "42";
    ExecutorService pool = Executors.newFixedThreadPool(STAMPEDE_CALLERS);
    try {
      CountDownLatch ready = new CountDownLatch(STAMPEDE_CALLERS);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Product>> futures = new ArrayList<>();
      for (int i = 0; i < STAMPEDE_CALLERS; i++) {
        LarderCache<Product> instance = i % 2 == 0 ? ca : cb;
        CacheLoader<Product> loader = i % 2 == 0 ? loaderA : loaderB;
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  return instance.get(key, loader);
                }));
      }
      ready.await();
      long start = System.nanoTime();
      go.countDown();
      Set<Long> prices = new HashSet<>();
      int answered = 0;
      for (Future<Product> f : futures) {
        Product p = f.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (p != null) {
          prices.add(p.priceCents());
          answered++;
        }
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      console.detail(
          STAMPEDE_CALLERS
              + " callers (100 on instance A, 100 on B) released at once; "
              + answered
              + " answered in "
              + Console.millis(took)
              + ", prices seen "
              + prices);
      int loads = loadsOnA.get() + loadsOnB.get();
      String loader = loadsOnA.get() > 0 ? "A" : "B";
      String other = loader.equals("A") ? "B" : "A";
      console.detail(
          "loads on A: "
              + loadsOnA.get()
              + ", on B: "
              + loadsOnB.get()
              + "; "
              + loader
              + "'s callers joined its one load, "
              + other
              + "'s waited on "
              + loader
              + "'s Redis lease for the value");
      boolean held = loads == 1 && answered == STAMPEDE_CALLERS && prices.size() == 1;
      return new Evidence(
          held, STAMPEDE_CALLERS + " concurrent gets on 2 instances -> loader calls: " + loads);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A loader as slow as a real query under load, so the whole herd arrives while it runs. */
  private CacheLoader<Product> slowLoader(AtomicInteger calls) {
    return key -> {
      calls.incrementAndGet();
      Thread.sleep(300);
      return load(key);
    };
  }

  private Evidence invalidation() throws Exception {
    LarderCache<Product> a = require(cacheA);
    LarderCache<Product> b = require(cacheB);
    String key = "42";
    CacheResult<Product> before = b.lookup(key, this::load);
    long oldPrice = require(before.valueOrNull()).priceCents();
    console.detail("B holds product 42 at " + oldPrice + " (served from " + before.source() + ")");
    long newPrice = oldPrice + 500;
    // Instance A changes the price: the write goes to the database, the new value into both tiers,
    // and the invalidation to every other instance over the cache's Redis channel.
    a.writeThrough(key, () -> db().write(h -> setPrice(h, 42, newPrice)).value());
    long written = System.nanoTime();
    AtomicReference<CacheResult<Product>> seen = new AtomicReference<>();
    Duration after =
        console.await(
            "B to see the new price",
            Duration.ofSeconds(10),
            () -> {
              seen.set(b.lookup(key, this::load));
              Product p = seen.get().valueOrNull();
              return p != null && p.priceCents() == newPrice;
            });
    long ms = Duration.ofNanos(System.nanoTime() - written).toMillis();
    console.detail(
        "B sees "
            + newPrice
            + " after "
            + ms
            + " ms (served from "
            + require(seen.get()).source()
            + "); without the channel B's L1 copy would live up to its L1 TTL");
    return new Evidence(
        after.compareTo(Duration.ofSeconds(10)) < 0,
        "A set price " + oldPrice + " -> " + newPrice + "; B saw it after " + ms + " ms");
  }

  private Evidence outbox() throws Exception {
    LarderCache<Product> a = require(cacheA);
    LarderCache<Product> b = require(cacheB);
    OutboxInvalidationWiring.install(require(primaryPool), a.name());
    InvalidationSource source =
        OutboxInvalidationWiring.source(
            servers.primaryUrl(), servers.user(), servers.password(), "catalog-a");
    closeables.push(source);
    // bind() waits until the source reads (awaitReady): a new consumer starts at the outbox's end
    // as of its connect, so a change committed before that would never reach it.
    long bindStart = System.nanoTime();
    closeables.push(OutboxInvalidationWiring.bind(a, source));
    long readyMs = Duration.ofNanos(System.nanoTime() - bindStart).toMillis();
    console.detail(
        "outbox + capture trigger on product(id) installed; instance A bound to the outbox source (reading after "
            + readyMs
            + " ms)");
    String key = "42";
    long oldPrice = require(b.get(key, this::load)).priceCents();
    long newPrice = oldPrice + 100;
    // Another program changes the price: plain SQL, no cache call anywhere.
    try (Connection c = require(primaryPool).getConnection()) {
      updatePrice(c, 42, newPrice);
    }
    long written = System.nanoTime();
    AtomicReference<CacheResult<Product>> seen = new AtomicReference<>();
    console.await(
        "B to see the price written by SQL",
        Duration.ofSeconds(10),
        () -> {
          seen.set(b.lookup(key, this::load));
          Product p = seen.get().valueOrNull();
          return p != null && p.priceCents() == newPrice;
        });
    long ms = Duration.ofNanos(System.nanoTime() - written).toMillis();
    console.detail(
        "UPDATE committed by SQL alone; B serves "
            + newPrice
            + " after "
            + ms
            + " ms (from "
            + require(seen.get()).source()
            + "): trigger -> outbox row -> NOTIFY -> A's source -> Redis + channel -> B");
    return new Evidence(
        true, "SQL-only update " + oldPrice + " -> " + newPrice + "; B saw it after " + ms + " ms");
  }

  private Evidence replicaLag() throws Exception {
    ReplicaRouter r = require(router);
    Servers.Faults faults = servers.faults();
    long fallbacksBefore = r.primaryFallbacks();
    int onPrimary = 0;
    int reads = 5;
    ReplicaStatus status;
    faults.pauseReplay();
    try {
      console.detail("standby replay paused (pg_wal_replay_pause); writing on the primary");
      db().write(h -> setPrice(h, 7, 777));
      Duration out =
          console.await(
              "router to take the standby out of rotation",
              STEP_TIMEOUT,
              () -> !r.replica("standby").inRotation());
      status = r.replica("standby");
      console.detail(
          "standby left rotation after "
              + Console.millis(out)
              + ": "
              + status.state()
              + " ("
              + status.detail()
              + ")");
      for (int i = 0; i < reads; i++) {
        if (!db().read(CatalogScenario::inRecovery)) {
          onPrimary++;
        }
      }
      console.detail(
          reads
              + " default reads: "
              + onPrimary
              + " served by the primary (pg_is_in_recovery() = false)");
    } finally {
      faults.resumeReplay();
    }
    Duration back =
        console.await(
            "standby back in rotation after resume",
            STEP_TIMEOUT,
            () -> r.replica("standby").inRotation());
    boolean standbyAgain = db().read(CatalogScenario::inRecovery);
    console.detail(
        "replay resumed: standby back in rotation after "
            + Console.millis(back)
            + ", next read served by the "
            + (standbyAgain ? "standby" : "primary"));
    long fallbacks = r.primaryFallbacks() - fallbacksBefore;
    boolean held =
        onPrimary == reads && status.state() != ReplicaStatus.State.HEALTHY && standbyAgain;
    return new Evidence(
        held,
        "replay paused -> standby "
            + status.state()
            + ", "
            + onPrimary
            + "/"
            + reads
            + " reads on primary ("
            + fallbacks
            + " fallbacks); resumed -> standby again");
  }

  private Evidence readYourWrites() throws Exception {
    ReplicaRouter r = require(router);
    Servers.Faults faults = servers.faults();
    long newPrice = 1000 + ThreadLocalRandom.current().nextInt(9000);
    String header;
    long standbyPrice;
    PriceAndServer during;
    faults.pauseReplay();
    try {
      Written<Product> w = db().write(h -> setPrice(h, 11, newPrice));
      header = w.token().toHeader();
      console.detail(
          "wrote price "
              + newPrice
              + " for product 11; token header "
              + ConsistencySummary.of(header));
      standbyPrice = priceOnStandby(11);
      // The token crosses a hop (an HTTP header) and comes back as a new object.
      ConsistencyToken token = ConsistencyToken.parse(header);
      during = db().read(ReadIntent.readYourWrites(token), h -> priceAndServer(h, 11));
      console.detail(
          "replay paused: the standby still says "
              + standbyPrice
              + "; a read carrying the token got "
              + during.price()
              + " from the "
              + during.server());
    } finally {
      faults.resumeReplay();
    }
    ConsistencyToken token = ConsistencyToken.parse(header);
    List<String> late = r.awaitReplayed(token, STEP_TIMEOUT);
    console.await(
        "standby back in rotation", STEP_TIMEOUT, () -> r.replica("standby").inRotation());
    PriceAndServer after = db().read(ReadIntent.readYourWrites(token), h -> priceAndServer(h, 11));
    console.detail(
        "replay resumed: the same token's read got "
            + after.price()
            + " from the "
            + after.server());
    boolean held =
        standbyPrice != newPrice
            && during.price() == newPrice
            && after.price() == newPrice
            && late.isEmpty()
            && "standby".equals(after.server());
    return new Evidence(
        held,
        "standby lagging at "
            + standbyPrice
            + "; token read -> "
            + during.price()
            + " ("
            + during.server()
            + "), after replay -> "
            + after.price()
            + " ("
            + after.server()
            + ")");
  }

  private Evidence retry() throws Exception {
    HikariDataSource primary = require(primaryPool);
    RetryPolicy policy = RetryWiring.policy();
    FailureClassifier classifier = FailureClassifiers.standard();
    List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    policy
        .retry()
        .getEventPublisher()
        .onRetry(e -> timeline.add("wait " + e.getWaitInterval().toMillis() + " ms"));
    AtomicInteger attempts = new AtomicInteger();
    long start = System.nanoTime();
    long newPrice = 4242;
    Product updated =
        RetryWiring.withBudget(policy)
            .callChecked(
                false,
                () -> {
                  int n = attempts.incrementAndGet();
                  long at = Duration.ofNanos(System.nanoTime() - start).toMillis();
                  try {
                    Product p =
                        inTransaction(
                            primary,
                            c -> {
                              if (n <= 2) {
                                injectSerializationFailure(c);
                              }
                              return updatePrice(c, 3, newPrice);
                            });
                    timeline.add("attempt " + n + " at " + at + " ms: committed");
                    return p;
                  } catch (SQLException e) {
                    timeline.add(
                        "attempt "
                            + n
                            + " at "
                            + at
                            + " ms: SQLSTATE "
                            + e.getSQLState()
                            + " "
                            + classifier.classify(e));
                    throw e;
                  }
                });
    timeline.forEach(console::detail);

    AtomicInteger permanentAttempts = new AtomicInteger();
    String permanent;
    try {
      RetryWiring.withBudget(RetryWiring.policy())
          .callChecked(
              false,
              () -> {
                permanentAttempts.incrementAndGet();
                return inTransaction(primary, c -> duplicateSku(c));
              });
      permanent = "no failure";
    } catch (SQLException e) {
      permanent = "SQLSTATE " + e.getSQLState() + " " + classifier.classify(e);
    }
    console.detail(
        "a unique violation ("
            + permanent
            + ") ran "
            + permanentAttempts.get()
            + " attempt: retrying would fail the same way");
    boolean held =
        attempts.get() == 3 && updated.priceCents() == newPrice && permanentAttempts.get() == 1;
    return new Evidence(
        held,
        "2 x 40001 then commit: "
            + attempts.get()
            + " attempts, "
            + String.join(", ", timeline.stream().filter(s -> s.startsWith("wait")).toList())
            + "; unique violation: "
            + permanentAttempts.get()
            + " attempt");
  }

  private Evidence keyset() throws Exception {
    CursorCodec codec = KeysetPagingWiring.cursorCodec("examples-only-secret-rotate-me-0123456789");
    JdbiKeyset<Product> query = KeysetPagingWiring.productsByCategory(codec, 100);
    long total =
        db().read(h -> h.createQuery("SELECT count(*) FROM product").mapTo(Long.class).one());
    List<Product> forward = new ArrayList<>();
    PageRequest request = PageRequest.first();
    int pages = 0;
    @Nullable String lastPreviousCursor = null;
    while (true) {
      PageRequest req = request;
      Page<Product> page = db().read(h -> query.fetch(h, req));
      pages++;
      forward.addAll(page.items());
      if (pages % 3 == 0) {
        console.detail("... page " + pages + ": " + forward.size() + " of " + total + " rows");
      }
      if (!page.hasNext()) {
        lastPreviousCursor = page.previousCursor().orElse(null);
        break;
      }
      request = PageRequest.after(page.nextCursor().orElseThrow(), null);
    }
    Set<Long> ids = new LinkedHashSet<>();
    forward.forEach(p -> ids.add(p.id()));
    boolean ordered = true;
    for (int i = 1; i < forward.size(); i++) {
      ordered &= compare(forward.get(i - 1), forward.get(i)) < 0;
    }
    console.detail(
        "forward: "
            + pages
            + " pages, "
            + forward.size()
            + " rows, "
            + ids.size()
            + " distinct, in (category ASC, price DESC, id ASC) order: "
            + ordered);

    List<Product> backward = new ArrayList<>();
    @Nullable String cursor = lastPreviousCursor;
    int backPages = 0;
    while (cursor != null) {
      String c = cursor;
      Page<Product> page = db().read(h -> query.fetch(h, PageRequest.before(c, null)));
      backPages++;
      backward.addAll(0, page.items());
      cursor = page.hasPrevious() ? page.previousCursor().orElse(null) : null;
    }
    List<Product> expectedBackward =
        forward.subList(0, forward.size() - lastPageSize(forward.size(), 100));
    boolean backOk = backward.equals(expectedBackward);
    console.detail(
        "backward from the last page: "
            + backPages
            + " pages, "
            + backward.size()
            + " rows, same rows in the same order: "
            + backOk);

    String next = firstNextCursor(query);
    String tampered = next.substring(0, next.length() - 2) + (next.endsWith("A") ? "BB" : "AA");
    String rejected;
    try {
      db().read(h -> query.fetch(h, PageRequest.after(tampered, null)));
      rejected = "accepted (wrong)";
    } catch (InvalidCursorException e) {
      rejected = "InvalidCursorException";
      console.detail("a tampered cursor is refused: " + e.getMessage());
    }
    boolean held =
        forward.size() == total
            && ids.size() == total
            && ordered
            && backOk
            && "InvalidCursorException".equals(rejected);
    return new Evidence(
        held,
        pages
            + " pages: "
            + ids.size()
            + " of "
            + total
            + " rows, each once, in order; "
            + "walked back the same; tampered cursor -> "
            + rejected);
  }

  private String firstNextCursor(JdbiKeyset<Product> query) {
    return db().read(h -> query.fetch(h, PageRequest.first())).nextCursor().orElseThrow();
  }

  private static int lastPageSize(int total, int pageSize) {
    int rest = total % pageSize;
    return rest == 0 ? pageSize : rest;
  }

  private static int compare(Product x, Product y) {
    int c = x.category().compareTo(y.category());
    if (c != 0) {
      return c;
    }
    c = Long.compare(y.priceCents(), x.priceCents());
    return c != 0 ? c : Long.compare(x.id(), y.id());
  }

  private Evidence mongo() {
    MongoClient client = MongoWiring.client(servers.mongoUri());
    closeables.push(client);
    mongoClient = client;
    MongoRouter router = MongoWiring.router(client, servers.mongoDatabase());
    String collection = reviews;
    List<Document> reviews = new ArrayList<>();
    int[] ratings = {5, 4, 4, 3, 5, 2};
    for (int i = 0; i < 30; i++) {
      reviews.add(
          new Document("productId", 40 + i % 5)
              .append("rating", ratings[i % ratings.length])
              .append("text", "review " + i));
    }
    var written = router.write(ctx -> ctx.collection(collection).insertMany(reviews));
    String header = written.token().toHeader();
    console.detail(
        "wrote "
            + written.value().getInsertedIds().size()
            + " reviews; token "
            + (written.token().isPrimaryOnly()
                ? "primary-only (no sessions here)"
                : "with operation time"));
    dev.larder.mongo.ConsistencyToken token = dev.larder.mongo.ConsistencyToken.fromHeader(header);
    long forProduct42 =
        router.read(
            token, ctx -> ctx.collection(collection).countDocuments(Filters.eq("productId", 42)));
    Document avg =
        router.read(
            token,
            ctx ->
                ctx.collection(collection)
                    .aggregate(
                        List.of(
                            Aggregates.match(Filters.eq("productId", 42)),
                            Aggregates.group("$productId", Accumulators.avg("avg", "$rating"))))
                    .first());
    double average = avg == null ? Double.NaN : avg.get("avg", Number.class).doubleValue();
    console.detail(
        "a read carrying the token (another request) sees "
            + forProduct42
            + " reviews of product 42, average rating "
            + String.format(Locale.ROOT, "%.1f", average)
            + "; MongoDB: "
            + servers.description().replaceAll(".*MongoDB: ", ""));
    MongoKeyset<Document> byRating =
        MongoWiring.reviewsByRating("examples-only-secret-rotate-me-0123456789", 4);
    List<Object> ids = new ArrayList<>();
    int pages = 0;
    PageRequest request = PageRequest.first();
    while (true) {
      PageRequest req = request;
      Page<Document> page =
          router.read(
              token,
              ctx ->
                  byRating.fetch(
                      ctx.collection(collection).collection(), req, Filters.eq("productId", 42)));
      pages++;
      page.items().forEach(d -> ids.add(d.get("_id")));
      if (!page.hasNext()) {
        break;
      }
      request = PageRequest.after(page.nextCursor().orElseThrow(), null);
    }
    long distinct = ids.stream().distinct().count();
    console.detail(
        "product 42's reviews by rating, 4 per page: "
            + pages
            + " pages, "
            + ids.size()
            + " reviews, "
            + distinct
            + " distinct");
    boolean held = forProduct42 == 6 && avg != null && ids.size() == 6 && distinct == 6;
    return new Evidence(
        held,
        "30 reviews written; token read sees product 42's "
            + forProduct42
            + " reviews, avg "
            + String.format(Locale.ROOT, "%.1f", average)
            + "; "
            + pages
            + " keyset pages, each review once");
  }

  private Evidence mongoChanges() throws Exception {
    MongoCollection<Document> coll =
        require(mongoClient).getDatabase(servers.mongoDatabase()).getCollection(reviews);
    LarderCache<Document> cacheOnA = MongoInvalidationWiring.reviewCache(require(redissonA), coll);
    closeables.push(cacheOnA);
    LarderCache<Document> cacheOnB = MongoInvalidationWiring.reviewCache(require(redissonB), coll);
    closeables.push(cacheOnB);
    CachedRepository<ObjectId, Document> repoA =
        MongoInvalidationWiring.reviewRepository(coll, cacheOnA);
    CachedRepository<ObjectId, Document> repoB =
        MongoInvalidationWiring.reviewRepository(coll, cacheOnB);
    InvalidationSource source = MongoInvalidationWiring.reviewChanges(coll, servers.mongoStandIn());
    closeables.push(source);
    // bind() waits until the change stream is open (awaitReady), as for the outbox.
    closeables.push(MongoInvalidationWiring.bind(cacheOnA, source));
    List<ObjectId> ids = new ArrayList<>();
    coll.find(Filters.eq("productId", 42)).forEach(d -> ids.add(d.getObjectId("_id")));
    Map<ObjectId, Document> onB = repoB.getAll(ids);
    ObjectId id = ids.get(0);
    String before = require(onB.get(id)).getString("text");
    console.detail(
        "B cached product 42's "
            + onB.size()
            + " reviews with one getAll (the repository asks for the misses in one $in query)");

    String viaRepo = before + " (edited through A's repository)";
    repoA.update(id, Updates.set("text", viaRepo));
    long t0 = System.nanoTime();
    console.await(
        "B to see the edit made through A's repository",
        Duration.ofSeconds(10),
        () -> viaRepo.equals(repoB.get(id).map(d -> d.getString("text")).orElse(null)));
    long repoMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    console.detail(
        "edit through A's repository: B serves it after "
            + repoMs
            + " ms (the write invalidated the entry)");

    String direct = before + " (edited in the shell)";
    // Another program edits the review: a plain driver call, no cache call anywhere.
    coll.updateOne(Filters.eq("_id", id), Updates.set("text", direct));
    long t1 = System.nanoTime();
    console.await(
        "B to see the edit made outside the service",
        Duration.ofSeconds(10),
        () -> direct.equals(repoB.get(id).map(d -> d.getString("text")).orElse(null)));
    long directMs = Duration.ofNanos(System.nanoTime() - t1).toMillis();
    console.detail(
        "edit by a plain driver call: B serves it after "
            + directMs
            + " ms (change stream -> A's source -> Redis + channel -> B)");
    boolean held = onB.size() == ids.size() && ids.size() == 6;
    return new Evidence(
        held,
        "6 reviews cached on B; repository edit seen after "
            + repoMs
            + " ms, direct edit after "
            + directMs
            + " ms");
  }

  private Evidence staleFallback() throws Exception {
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
    closeables.push(loaderPool);
    CacheLoader<Product> loader =
        key -> {
          try (Connection c = loaderPool.getConnection()) {
            return findProduct(c, idOf(key));
          }
        };
    Duration ttl = Duration.ofSeconds(1);
    LarderCache<Product> cache =
        StaleFallbackWiring.staleTolerantCache(
            require(redissonA),
            KeyNamespace.of("catalog-stale-" + runId, 1),
            ttl,
            Duration.ofMinutes(10),
            Duration.ofMillis(loaderPool.getConnectionTimeout()));
    closeables.push(cache);
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
                  last.set(cache.lookup("5", loader));
                  return !last.get().isStale();
                } catch (RuntimeException e) {
                  return false;
                }
              });
      recovered = "fresh again after " + Console.seconds(back);
      console.detail("primary up: " + describe(require(last.get())));
      recoveredOk = !require(last.get()).isStale();
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

  // ---- the service's data access -----------------------------------------------------------

  /**
   * The cache's loader reads the primary: an invalidation can arrive before the standby has
   * replayed the write that caused it, and a load from the standby would then put the old value
   * back for a whole TTL. Misses are rare; the cache keeps the read load off the database anyway.
   */
  private Optional<Product> load(String key) {
    return db().read(
            ReadIntent.strong(),
            h ->
                h.createQuery("SELECT " + Product.COLUMNS + " FROM product WHERE id = :id")
                    .bind("id", idOf(key))
                    .map((rs, ctx) -> Product.fromRow(rs))
                    .findOne());
  }

  private static long idOf(String key) {
    return Long.parseLong(key.substring(key.indexOf(':') + 1));
  }

  private static Product setPrice(Handle h, long id, long priceCents) {
    return h.createQuery(
            "UPDATE product SET price_cents = :price, updated_at = now() WHERE id = :id RETURNING "
                + Product.COLUMNS)
        .bind("price", priceCents)
        .bind("id", id)
        .map((rs, ctx) -> Product.fromRow(rs))
        .one();
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  private record PriceAndServer(long price, String server) {}

  private static PriceAndServer priceAndServer(Handle h, long id) {
    return h.createQuery("SELECT price_cents, pg_is_in_recovery() FROM product WHERE id = :id")
        .bind("id", id)
        .map(
            (rs, ctx) ->
                new PriceAndServer(rs.getLong(1), rs.getBoolean(2) ? "standby" : "primary"))
        .one();
  }

  private long priceOnStandby(long id) throws SQLException {
    try (Connection c = require(standbyPool).getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT price_cents FROM product WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
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

  private static Product updatePrice(Connection c, long id, long price) throws SQLException {
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

  /**
   * A real serialization failure from the server (SQLSTATE 40001), as a busy SERIALIZABLE workload
   * gets.
   */
  private static void injectSerializationFailure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "DO $$ BEGIN RAISE EXCEPTION 'injected by the examples: could not serialize access'"
              + " USING ERRCODE = 'serialization_failure'; END $$");
    }
  }

  private static Product duplicateSku(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO product (id, sku, name, category, price_cents) VALUES (?, 'SKU-00001', 'dup', 'kitchen', 1)"
                + " RETURNING "
                + Product.COLUMNS)) {
      ps.setLong(1, 1_000_000 + ThreadLocalRandom.current().nextInt(1_000_000));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Product.fromRow(rs);
      }
    }
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  private static <T> T inTransaction(HikariDataSource pool, SqlWork<T> work) throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private RoutingJdbi db() {
    return require(db);
  }

  private static <T> T require(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException("an earlier step did not set this up");
    }
    return value;
  }

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

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private void closeAll() {
    while (!closeables.isEmpty()) {
      try {
        closeables.pop().close();
      } catch (Exception e) {
        console.detail("closing: " + e);
      }
    }
    if (standbyPool != null) {
      standbyPool.close();
    }
    if (primaryPool != null) {
      primaryPool.close();
    }
  }

  /** Shortens a token header for printing. */
  private static final class ConsistencySummary {
    static String of(String header) {
      return header.length() <= 48 ? header : header.substring(0, 45) + "...";
    }
  }
}
