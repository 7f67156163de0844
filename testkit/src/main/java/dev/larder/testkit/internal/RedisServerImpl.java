package dev.larder.testkit.internal;

import dev.larder.testkit.RedisServer;
import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

/** A Redis node in either tier; the tier lives in the {@link Lifecycle}. */
public final class RedisServerImpl extends LifecycleServer implements RedisServer {

  private final String name;
  private final int port;
  private final Lifecycle lifecycle;
  private final RedisFiles files;
  private final ReentrantLock snapshotLock = new ReentrantLock();
  private boolean hasSnapshot;

  /**
   * Wraps a started server.
   *
   * @param name for logs
   * @param port its loopback port
   * @param lifecycle its fault hooks
   * @param files its data directory, for the snapshot hook
   */
  public RedisServerImpl(String name, int port, Lifecycle lifecycle, RedisFiles files) {
    this.name = name;
    this.port = port;
    this.lifecycle = lifecycle;
    this.files = files;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String host() {
    return Ports.LOOPBACK;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String uri() {
    return "redis://" + Ports.LOOPBACK + ":" + port;
  }

  @Override
  public Config redissonConfig() {
    Config config = new Config();
    // Two cores on the build machines: Redisson's defaults (16 threads, 32 netty threads,
    // 24 idle connections) make each client cost more than the test using it.
    config.setThreads(2);
    config.setNettyThreads(4);
    config
        .useSingleServer()
        .setAddress(uri())
        .setConnectTimeout(1000)
        .setTimeout(1000)
        .setRetryAttempts(2)
        .setRetryDelay(new ConstantDelay(Duration.ofMillis(200)))
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(4)
        .setSubscriptionConnectionMinimumIdleSize(1)
        .setSubscriptionConnectionPoolSize(4);
    return config;
  }

  @Override
  public RedissonClient newRedissonClient() {
    return Redisson.create(redissonConfig());
  }

  @Override
  public String uniqueKeyPrefix(String hint) {
    return Names.keyPrefix(hint);
  }

  @Override
  public String uniqueNamespaceName(String hint) {
    return Names.namespaceName(hint);
  }

  @Override
  public void flushAll() {
    try {
      String reply = Resp.command(Ports.LOOPBACK, port, 5000, "FLUSHALL");
      if (!"+OK".equals(reply)) {
        throw new TestServerException(name + " answered FLUSHALL with '" + reply + "'");
      }
    } catch (IOException e) {
      throw new TestServerException(name + " did not answer FLUSHALL: " + e.getMessage(), e);
    }
  }

  @Override
  public void snapshot() {
    snapshotLock.lock();
    try {
      if (!lifecycle.isRunning()) {
        throw new IllegalStateException(
            name + " is stopped or paused, so it cannot save a snapshot");
      }
      Object reply = admin("SAVE");
      if (!"OK".equals(reply)) {
        throw new TestServerException(name + " answered SAVE with '" + reply + "'");
      }
      files.keepDumpAsSnapshot();
      hasSnapshot = true;
    } finally {
      snapshotLock.unlock();
    }
  }

  @Override
  public void restartFromSnapshot() {
    snapshotLock.lock();
    try {
      if (!hasSnapshot) {
        throw new IllegalStateException(
            name + " has no snapshot to restart from: call snapshot() first");
      }
      lifecycle.resume();
      if (!lifecycle.isRunning()) {
        throw new IllegalStateException(
            name + " is stopped; start() it before restarting it from a snapshot");
      }
      // In place before the kill: the docker tier changes files with docker exec, which needs
      // a running container. The running server never reads or writes dump.rdb (no save points).
      files.restoreSnapshotAsDump();
      lifecycle.kill();
      lifecycle.start();
      // Loaded by now (PING answers -LOADING until then): a later plain start must come back empty.
      files.deleteDump();
    } finally {
      snapshotLock.unlock();
    }
  }

  @Override
  public String runId() {
    Object info = admin("INFO", "server");
    if (info instanceof String text) {
      for (String line : text.lines().toList()) {
        if (line.startsWith("run_id:")) {
          return line.substring("run_id:".length()).trim();
        }
      }
    }
    throw new TestServerException(name + ": INFO server has no run_id line");
  }

  @Override
  public int killPubSubClients() {
    Object reply = admin("CLIENT", "KILL", "TYPE", "pubsub");
    if (reply instanceof Long n) {
      return Math.toIntExact(n);
    }
    throw new TestServerException(name + " answered CLIENT KILL TYPE pubsub with '" + reply + "'");
  }

  @Override
  public int clientCount() {
    Object reply = admin("CLIENT", "LIST");
    if (!(reply instanceof String list)) {
      throw new TestServerException(name + " answered CLIENT LIST with '" + reply + "'");
    }
    int lines = 0;
    for (String line : list.lines().toList()) {
      if (!line.isBlank()) {
        lines++;
      }
    }
    return lines - 1; // the connection asking is listed too
  }

  @Override
  public List<String> pubSubChannels(String pattern) {
    Objects.requireNonNull(pattern, "pattern must not be null");
    Object reply = admin("PUBSUB", "CHANNELS", pattern);
    if (!(reply instanceof List<?> items)) {
      throw new TestServerException(name + " answered PUBSUB CHANNELS with '" + reply + "'");
    }
    List<String> out = new ArrayList<>();
    items.forEach(i -> out.add(String.valueOf(i)));
    Collections.sort(out);
    return out;
  }

  @Override
  public long pubSubNumSub(String channel) {
    Objects.requireNonNull(channel, "channel must not be null");
    Object reply = admin("PUBSUB", "NUMSUB", channel);
    if (reply instanceof List<?> items && items.size() == 2 && items.get(1) instanceof Long n) {
      return n;
    }
    throw new TestServerException(name + " answered PUBSUB NUMSUB with '" + reply + "'");
  }

  private @Nullable Object admin(String... command) {
    try {
      return Resp.call(Ports.LOOPBACK, port, 5000, command);
    } catch (IOException e) {
      throw new TestServerException(
          name + " did not answer " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected Lifecycle lifecycle() {
    return lifecycle;
  }

  @Override
  public String toString() {
    return name + " at " + uri();
  }
}
