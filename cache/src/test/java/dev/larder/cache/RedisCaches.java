package dev.larder.cache;

import dev.larder.core.KeyNamespace;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Test support: "instances" of a service are separate Redisson clients and separate caches (each
 * with its own L1) in this JVM, sharing one namespace on the testkit's Redis.
 */
final class RedisCaches implements AutoCloseable {
  final RedisServer redis = LarderServices.redis();
  final KeyNamespace namespace;
  private final List<RedissonClient> clients = new ArrayList<>();
  private final List<LarderCache<?>> caches = new ArrayList<>();
  private final List<ExecutorService> pools = new ArrayList<>();

  RedisCaches(String hint) {
    this.namespace = KeyNamespace.of(redis.uniqueNamespaceName(hint), 1);
  }

  RedissonClient newClient() {
    RedissonClient c = redis.newRedissonClient();
    clients.add(c);
    return c;
  }

  /**
   * A builder for one more instance, with its own client, and settings roomy enough for 2 cores.
   */
  LarderCacheBuilder<String> instance(RedissonClient client) {
    return LarderCache.newBuilder(CacheCodec.utf8()).namespace(namespace).redisson(client);
  }

  /** A thread pool for a test's concurrent callers, shut down by {@link #close()}. */
  ExecutorService threads(int n) {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    pools.add(pool);
    return pool;
  }

  <V> LarderCache<V> track(LarderCache<V> cache) {
    caches.add(cache);
    return cache;
  }

  LarderCache<String> standard(RedissonClient client) {
    return track(
        instance(client)
            .redisTimeout(Duration.ofSeconds(3))
            .loadTimeout(Duration.ofSeconds(10))
            .lockLease(Duration.ofSeconds(10))
            .lockWait(Duration.ofSeconds(8))
            .build());
  }

  /** The raw L2 key holding a cache key's envelope. */
  String dataKey(String key) {
    return "{" + namespace.qualify(key) + "}:d";
  }

  byte[] rawGet(RedissonClient client, String key) {
    return client.<byte[]>getBucket(dataKey(key), ByteArrayCodec.INSTANCE).get();
  }

  void rawSet(RedissonClient client, String key, byte[] bytes) {
    client.getBucket(dataKey(key), ByteArrayCodec.INSTANCE).set(bytes);
  }

  /** How often Redis has run a command since it started (INFO commandstats); 0 if never. */
  static long commandCalls(RedissonClient client, String command) {
    String stats =
        client
            .getRedisNodes(RedisNodes.SINGLE)
            .getInstance()
            .info(RedisNode.InfoSection.COMMANDSTATS)
            .get("cmdstat_" + command);
    if (stats == null) {
      return 0;
    }
    String calls = stats.substring(stats.indexOf("calls=") + 6);
    return Long.parseLong(calls.substring(0, calls.indexOf(',')));
  }

  @Override
  public void close() {
    pools.forEach(ExecutorService::shutdownNow);
    caches.forEach(LarderCache::close);
    for (RedissonClient c : clients) {
      if (!c.isShutdown()) {
        c.shutdown();
      }
    }
  }
}
