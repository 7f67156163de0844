package dev.larder.examples;

import static dev.larder.examples.Catalog.STEP_TIMEOUT;

import dev.larder.cache.CacheLoader;
import dev.larder.cache.LarderCache;
import dev.larder.core.KeyNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.api.RedissonClient;

/**
 * The stampede step ({@link CacheAsideWiring}): 200 callers, half on instance A and half on B,
 * released at once by one latch, all ask for the same cold product through a loader that takes 300
 * ms, as a real query under load would.
 *
 * <p>Look at the loader counts: one call in the whole "fleet". The callers in the JVM that won the
 * Redis lease join its one load; the other instance's callers wait on that lease and read the value
 * from Redis. Holds if the loaders ran once in total and all 200 callers got the same price.
 *
 * <p>This step also starts the two instances the later steps use: each has its own Redisson client
 * ({@link CacheAsideWiring#redisson}) and the product cache with the invalidation channel on
 * ({@link InvalidationWiring#productCache}, the cache-aside cache plus the channel), so instance B
 * can follow A's writes in the next steps.
 */
final class CacheAsideStep {
  private static final int CALLERS = 200;

  private final Catalog catalog;
  private final Console console;

  CacheAsideStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    String redisUri = catalog.servers().redisUri();
    KeyNamespace ns = KeyNamespace.of(Catalog.PRODUCTS_CACHE, 1);
    RedissonClient redissonA = CacheAsideWiring.redisson(redisUri);
    catalog.closeAtEnd(redissonA::shutdown);
    RedissonClient redissonB = CacheAsideWiring.redisson(redisUri);
    catalog.closeAtEnd(redissonB::shutdown);
    LarderCache<Product> a = InvalidationWiring.productCache(redissonA, ns);
    catalog.closeAtEnd(a);
    LarderCache<Product> b = InvalidationWiring.productCache(redissonB, ns);
    catalog.closeAtEnd(b);
    catalog.setInstances(new Catalog.Instance(redissonA, a), new Catalog.Instance(redissonB, b));
    a.invalidateAll(); // servers we do not own may hold a previous run's values: start cold

    AtomicInteger loadsOnA = new AtomicInteger();
    AtomicInteger loadsOnB = new AtomicInteger();
    CacheLoader<Product> loaderA = slowLoader(loadsOnA);
    CacheLoader<Product> loaderB = slowLoader(loadsOnB);
    String key = "42";
    ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
    try {
      CountDownLatch ready = new CountDownLatch(CALLERS);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Product>> futures = new ArrayList<>();
      for (int i = 0; i < CALLERS; i++) {
        LarderCache<Product> instance = i % 2 == 0 ? a : b;
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
          CALLERS
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
      boolean held = loads == 1 && answered == CALLERS && prices.size() == 1;
      return new Evidence(
          held, CALLERS + " concurrent gets on 2 instances -> loader calls: " + loads);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A loader as slow as a real query under load, so the whole herd arrives while it runs. */
  private CacheLoader<Product> slowLoader(AtomicInteger calls) {
    return key -> {
      calls.incrementAndGet();
      Thread.sleep(300);
      return catalog.load(key);
    };
  }
}
