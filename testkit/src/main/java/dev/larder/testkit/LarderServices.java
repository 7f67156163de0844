package dev.larder.testkit;

import dev.larder.testkit.internal.Millis;
import dev.larder.testkit.internal.MongoFactory;
import dev.larder.testkit.internal.PostgresFactory;
import dev.larder.testkit.internal.RedisFactory;
import dev.larder.testkit.internal.Settings;
import dev.larder.testkit.internal.TestcontainersDockerEngine;
import dev.larder.testkit.internal.TierResolver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The testkit's one-line entry point: real servers for tests, each started lazily on first use,
 * once per JVM, shared by every test class, and stopped at JVM exit (a shutdown hook), so that no
 * process or container outlives the test run.
 *
 * <pre>{@code
 * RedissonClient redisson = LarderServices.redis().newRedissonClient();   // the caller shuts it down
 * String db = LarderServices.postgres().createDatabase("orders");         // on primary and standby
 * DataSource primary = LarderServices.postgres().primary().dataSource(db);
 * }</pre>
 *
 * <p>The tier comes from {@code larder.test.services} / {@code LARDER_TEST_SERVICES} ({@code auto},
 * {@code docker}, {@code embedded}); MongoDB's flavour can be chosen apart with {@code
 * larder.test.mongo} / {@code LARDER_TEST_MONGO}. {@code auto} (the default) chooses docker only
 * when a Docker engine answers within 15 s and already has every image the tier would run (auto
 * never pulls), else embedded, and logs one line saying why. A server that cannot start throws
 * {@link TestServerException} saying why, and so does every later call for it in the same JVM (the
 * start is not retried); there is no silent fallback to another tier. Every start logs its duration
 * at INFO under {@code dev.larder.testkit}.
 *
 * <p>All methods are thread-safe.
 */
public final class LarderServices {

  private static final Logger LOG = LoggerFactory.getLogger(LarderServices.class);
  private static final List<Runnable> AT_EXIT = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(LarderServices::stopAll, "larder-testkit-shutdown"));
  }

  private static final Lazy<Settings> SETTINGS =
      new Lazy<>("testkit settings", Settings::fromSystem);
  private static final Lazy<Tier> TIER = new Lazy<>("tier", LarderServices::resolveTier);
  private static final Lazy<Tier> MONGO_TIER =
      new Lazy<>("MongoDB flavour", LarderServices::resolveMongoTier);
  private static final Lazy<RedisServer> REDIS =
      new Lazy<>(
          "Redis",
          () ->
              tier() == Tier.DOCKER
                  ? RedisFactory.docker(SETTINGS.get().redisImage(), AT_EXIT::add)
                  : RedisFactory.embedded(AT_EXIT::add));
  private static final Lazy<PostgresCluster> POSTGRES =
      new Lazy<>(
          "PostgreSQL",
          () ->
              tier() == Tier.DOCKER
                  ? PostgresFactory.docker(SETTINGS.get().postgresImage(), AT_EXIT::add)
                  : PostgresFactory.embedded(SETTINGS.get().postgresOsUser(), AT_EXIT::add));
  private static final Lazy<MongoServer> MONGO =
      new Lazy<>(
          "MongoDB",
          () ->
              mongoTier() == Tier.DOCKER
                  ? MongoFactory.docker(SETTINGS.get().mongoImage(), AT_EXIT::add)
                  : MongoFactory.embedded(AT_EXIT::add));

  /**
   * How long the Docker engine may take to answer each of the tier probe's questions. A local
   * engine answers in milliseconds (Testcontainers' engine discovery takes under a second here);
   * the bound only matters for an engine that accepts connections and never answers.
   */
  private static final Duration PROBE_BOUND = Duration.ofSeconds(15);

  private static final Lazy<TestcontainersDockerEngine> ENGINE =
      new Lazy<>(
          "Docker probe",
          () -> {
            TestcontainersDockerEngine engine = new TestcontainersDockerEngine(PROBE_BOUND);
            AT_EXIT.add(engine::close);
            return engine;
          });

  private LarderServices() {}

  /**
   * The tier this JVM uses, resolved once: {@code auto} asks whether a Docker engine answers and
   * already has the Redis, PostgreSQL (and, unless disabled, Ryuk) images; it never pulls an image
   * or starts a container to find out.
   *
   * @return the tier
   * @throws TestServerException if {@code docker} was chosen and no engine answers
   * @throws IllegalArgumentException if the setting is not auto, docker or embedded
   */
  public static Tier tier() {
    return TIER.get();
  }

  /**
   * The tier MongoDB comes from: {@code larder.test.mongo} / {@code LARDER_TEST_MONGO} when set,
   * else {@link #tier()}; when that tier came from {@code auto} and is docker, MongoDB's image must
   * be on the engine too, else MongoDB runs on the embedded stand-in.
   *
   * @return the MongoDB tier
   * @throws TestServerException if {@code docker} was chosen and no engine answers
   */
  public static Tier mongoTier() {
    return MONGO_TIER.get();
  }

  /**
   * The Redis node, started on first call.
   *
   * @return the running server
   * @throws TestServerException if it cannot start (the message says why)
   */
  public static RedisServer redis() {
    return REDIS.get();
  }

  /**
   * The PostgreSQL primary and its streaming hot standby, started on first call.
   *
   * @return the running cluster, the standby already streaming
   * @throws TestServerException if either server cannot start (the message says why)
   */
  public static PostgresCluster postgres() {
    return POSTGRES.get();
  }

  /**
   * The MongoDB endpoint, started on first call; check {@link MongoServer#features()}.
   *
   * @return the running server
   * @throws TestServerException if it cannot start (the message says why)
   */
  public static MongoServer mongo() {
    return MONGO.get();
  }

  private static Tier resolveTier() {
    long t0 = System.nanoTime();
    Settings settings = SETTINGS.get();
    Settings.Resolved choice = settings.services();
    TierResolver.Decision decision =
        TierResolver.resolve(choice, TierResolver.tierImages(settings), ENGINE.get());
    if (choice.choice() == Settings.Choice.AUTO) {
      LOG.info(
          "larder-testkit: tier {} (auto, from {}; decided in {} ms): {}",
          decision.tier(),
          choice.source(),
          Millis.since(t0),
          decision.reason());
    } else {
      LOG.info("larder-testkit: tier {} ({})", decision.tier(), decision.reason());
    }
    return decision.tier();
  }

  private static Tier resolveMongoTier() {
    Tier tier = tier();
    long t0 = System.nanoTime();
    TierResolver.Decision decision = TierResolver.resolveMongo(SETTINGS.get(), tier, ENGINE.get());
    if (decision == null) {
      return tier;
    }
    LOG.info(
        "larder-testkit: MongoDB flavour {} (decided in {} ms): {}",
        decision.tier(),
        Millis.since(t0),
        decision.reason());
    return decision.tier();
  }

  private static void stopAll() {
    for (int i = AT_EXIT.size() - 1; i >= 0; i--) {
      try {
        AT_EXIT.get(i).run();
      } catch (RuntimeException e) {
        LOG.warn("larder-testkit: teardown step failed: {}", e.toString());
      }
    }
  }

  /**
   * Starts once; remembers a failure so later callers get the reason at once instead of a second
   * wait.
   */
  private static final class Lazy<T> {
    private final String what;
    private final Supplier<T> factory;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile @Nullable T value;
    private volatile @Nullable RuntimeException failure;

    Lazy(String what, Supplier<T> factory) {
      this.what = what;
      this.factory = factory;
    }

    T get() {
      T v = value;
      if (v != null) {
        return v;
      }
      lock.lock();
      try {
        v = value;
        if (v != null) {
          return v;
        }
        RuntimeException f = failure;
        if (f != null) {
          throw new TestServerException(
              what + " failed to start earlier in this JVM: " + f.getMessage(), f);
        }
        try {
          v = factory.get();
        } catch (RuntimeException e) {
          failure = e;
          throw e;
        }
        value = v;
        return v;
      } finally {
        lock.unlock();
      }
    }
  }
}
