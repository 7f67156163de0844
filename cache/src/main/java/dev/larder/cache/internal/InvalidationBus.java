package dev.larder.cache.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.larder.core.TimeSource;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache's invalidation channel over Redis pub/sub (a Redisson {@link RTopic}, byte-array codec).
 *
 * <p>Pub/sub delivers at most once, so the bus does not trust silence. It asks its {@link Target}
 * to clear the whole L1 whenever a message may have been missed:
 *
 * <ul>
 *   <li>Redisson reports the channel (re)subscribed after the first subscription, or unsubscribed;
 *   <li>a publisher's sequence number skips ahead (its publish failed, or this subscriber was
 *       away);
 *   <li>this instance's own heartbeat has not come back within the heartbeat timeout (a silent or
 *       zombie subscription), and again when it comes back.
 * </ul>
 *
 * <p>Publishes go through one sender thread and each waits for the previous one, so one origin's
 * messages reach Redis, and so every subscriber, in sequence order: a skipped number is a real
 * loss, not a reordering. Only invalidations are numbered; a heartbeat carries the number of the
 * last invalidation before it, so a lost heartbeat is no loss, and an invalidation lost just before
 * a silence shows at the next heartbeat. Origins are never forgotten by time (only beyond {@value
 * #MAX_ORIGINS} of them, least recently heard first), and a message that follows a failed publish
 * says so, so even a receiver that never heard its origin before sees the loss.
 *
 * <p>The send queue is bounded ({@value #MAX_QUEUED} messages): past it a publish fails at once and
 * its number is skipped, which receivers see as a gap. An instance that receives its own origin on
 * a message it did not send (a JVM snapshot restored twice, e.g. CRaC) takes a new id and clears
 * L1.
 */
public final class InvalidationBus implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidationBus.class);

  /** Prefix of every cache's channel name; the namespace prefix follows. */
  public static final String CHANNEL_PREFIX = "larder:inval:";

  /** Origins whose last sequence number is remembered. */
  static final int MAX_ORIGINS = 100_000;

  /** Messages waiting for the sender thread. */
  static final int MAX_QUEUED = 10_000;

  /** What the bus acts on: the cache's local tier. */
  public interface Target {
    /**
     * Drops keys from L1 and fences L1 against values older than the given versions.
     *
     * @param keys the caller's keys
     * @param versions per key, the version Redis holds after the invalidation
     */
    void dropLocal(List<String> keys, long[] versions);

    /**
     * Drops everything from L1 and fences off loads in flight.
     *
     * @param reason for the log
     */
    void clearLocal(String reason);
  }

  private final String cacheName;
  private final RTopic topic;
  private final Target target;
  private final CacheMetrics metrics;
  private final TimeSource time;
  private final long heartbeatTimeoutNanos;
  private final Duration publishTimeout;
  private final CircuitBreaker redisBreaker;
  private volatile UUID instanceId = UUID.randomUUID();
  private final AtomicLong seq = new AtomicLong();
  // Set when an invalidation could not be published; cleared by the next message that reaches
  // Redis.
  private volatile boolean lost;
  private final Cache<UUID, Long> lastSeqByOrigin;
  // Send times of this instance's own recent messages: an echo with this origin but another time
  // was sent by a clone of this instance.
  private final Cache<Long, Boolean> sentAt;
  private final ThreadPoolExecutor sender;
  private final ScheduledExecutorService ticker;
  private final AtomicBoolean subscribedOnce = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean subscribing = new AtomicBoolean();
  private final AtomicBoolean subscribedLate = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean listening;
  private volatile boolean healthy = true;
  private volatile long lastEchoNanos;
  private volatile int messageListenerId;
  private volatile int statusListenerId;

  /**
   * Creates the bus; {@link #start()} subscribes.
   *
   * @param redisson the caller's client
   * @param channel the channel name
   * @param cacheName for logs and thread names
   * @param target the local tier
   * @param heartbeatInterval how often this instance publishes a heartbeat
   * @param heartbeatTimeout how long without an echo of its own messages before L1 is cleared
   * @param publishTimeout bound on each publish
   * @param redisBreaker the cache's Redis breaker: while it is open, publishes fail at once instead
   *     of queueing behind timeouts (the skipped sequence numbers tell receivers)
   * @param metrics meters
   * @param time clocks
   */
  @SuppressWarnings(
      "FutureReturnValueIgnored") // whenComplete's callback handles the outcome; listener removal
  // and heartbeats are best effort
  public InvalidationBus(
      RedissonClient redisson,
      String channel,
      String cacheName,
      Target target,
      Duration heartbeatInterval,
      Duration heartbeatTimeout,
      Duration publishTimeout,
      CircuitBreaker redisBreaker,
      CacheMetrics metrics,
      TimeSource time) {
    this.cacheName = cacheName;
    this.topic = redisson.getTopic(channel, ByteArrayCodec.INSTANCE);
    this.target = target;
    this.metrics = metrics;
    this.time = time;
    this.heartbeatTimeoutNanos = heartbeatTimeout.toNanos();
    this.publishTimeout = publishTimeout;
    this.redisBreaker = redisBreaker;
    this.lastSeqByOrigin = Caffeine.newBuilder().maximumSize(MAX_ORIGINS).build();
    this.sentAt =
        Caffeine.newBuilder()
            .maximumSize(20L * MAX_QUEUED)
            .expireAfterWrite(heartbeatTimeout.plusSeconds(30))
            .build();
    this.sender =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(MAX_QUEUED),
            daemon("larder-cache-" + cacheName + "-bus"),
            new ThreadPoolExecutor.AbortPolicy());
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            daemon("larder-cache-" + cacheName + "-bus-tick"));
    long every = heartbeatInterval.toNanos();
    ticker.scheduleWithFixedDelay(this::tickQuietly, every, every, TimeUnit.NANOSECONDS);
  }

  /**
   * Subscribes, waiting up to the publish timeout for Redis to confirm, so the cache takes nothing
   * into L1 before it can hear of invalidations. A subscription that fails or takes longer is
   * retried (or completed) in the background; when it lands, L1 is cleared, since what it took
   * meanwhile may have missed a message.
   */
  public void start() {
    lastEchoNanos = System.nanoTime();
    subscribe();
    long deadline = System.nanoTime() + publishTimeout.toNanos();
    while (!listening && System.nanoTime() - deadline < 0 && !closed.get()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    started = true;
  }

  /**
   * This instance's id, carried as the origin of what it publishes.
   *
   * @return the id
   */
  public UUID instanceId() {
    return instanceId;
  }

  /**
   * Whether the channel is subscribed and this instance's own messages come back.
   *
   * @return true while the bus can be trusted
   */
  public boolean healthy() {
    return listening && healthy;
  }

  /**
   * Publishes an invalidation of keys.
   *
   * @param keys the caller's keys, at least one
   * @param versions per key, the version after the invalidation
   * @return completes when Redis accepted the message (or exceptionally)
   */
  public CompletableFuture<Void> publishKeys(List<String> keys, long[] versions) {
    return send(InvalidationMessage.Type.KEYS, keys, versions);
  }

  /**
   * Publishes "drop everything".
   *
   * @return completes when Redis accepted the message (or exceptionally)
   */
  public CompletableFuture<Void> publishAll() {
    return send(InvalidationMessage.Type.ALL, List.of(), new long[0]);
  }

  /**
   * Publishes and waits, bounded by the publish timeout; a failure is counted and logged at debug
   * (receivers see the skipped sequence number and clear their L1).
   *
   * @param future what {@link #publishKeys} or {@link #publishAll} returned
   */
  public void await(CompletableFuture<Void> future) {
    try {
      future.get(publishTimeout.toNanos() * 2, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("cache '{}': invalidation publish failed", cacheName, e);
    }
  }

  private CompletableFuture<Void> send(
      InvalidationMessage.Type type, List<String> keys, long[] versions) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean content = type != InvalidationMessage.Type.HEARTBEAT;
    try {
      sender.execute(
          () -> {
            // Numbered on the sender thread, so numbers go out in order.
            long n = content ? seq.incrementAndGet() : seq.get();
            long micros = nowMicros();
            InvalidationMessage m =
                new InvalidationMessage(type, instanceId, n, micros, keys, versions, lost);
            CircuitBreaker.State state = redisBreaker.getState();
            if (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) {
              failed(
                  content,
                  done,
                  CallNotPermittedException.createCallNotPermittedException(redisBreaker));
              return;
            }
            try {
              sentAt.put(micros, Boolean.TRUE);
              topic
                  .publishAsync(m.encode())
                  .toCompletableFuture()
                  .get(publishTimeout.toNanos(), TimeUnit.NANOSECONDS);
              lost = false;
              metrics.invalidationSent(kind(type));
              done.complete(null);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              failed(content, done, e);
            } catch (Exception e) {
              failed(content, done, e);
            }
          });
    } catch (RejectedExecutionException e) {
      if (content) {
        // Never numbered: skip a number now so receivers see the gap.
        seq.incrementAndGet();
      }
      failed(content, done, e);
    }
    return done;
  }

  private void failed(boolean content, CompletableFuture<Void> done, Throwable e) {
    if (content) {
      lost = true;
    }
    metrics.invalidationSent("failed");
    done.completeExceptionally(e);
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // whenComplete's callback handles the outcome; listener removal
  // and heartbeats are best effort
  private void subscribe() {
    // One attempt at a time: Redisson may retry a subscription for longer than a heartbeat, and two
    // attempts that both succeed would register the listeners twice.
    if (closed.get() || listening || !subscribing.compareAndSet(false, true)) {
      return;
    }
    StatusListener status =
        new StatusListener() {
          @Override
          public void onSubscribe(String channel) {
            onSubscribed();
          }

          @Override
          public void onUnsubscribe(String channel) {
            onUnsubscribed();
          }
        };
    CompletableFuture<Integer> added;
    try {
      added = topic.addListenerAsync(status).toCompletableFuture();
    } catch (RuntimeException e) {
      added = CompletableFuture.failedFuture(e);
    }
    added
        .thenCompose(
            sid -> {
              statusListenerId = sid;
              return topic
                  .addListenerAsync(byte[].class, (ch, msg) -> onMessage(msg))
                  .toCompletableFuture();
            })
        .whenComplete(
            (mid, t) -> {
              if (t != null) {
                if (statusListenerId != 0) {
                  topic.removeListenerAsync(statusListenerId);
                  statusListenerId = 0;
                }
                subscribing.set(false);
                LOG.warn(
                    "cache '{}': could not subscribe to the invalidation channel ({}); retrying every heartbeat, "
                        + "L1 entries live at most l1Ttl meanwhile",
                    cacheName,
                    t.toString());
                return;
              }
              messageListenerId = mid;
              lastEchoNanos = System.nanoTime();
              listening = true;
              subscribing.set(false);
              if (started && subscribedLate.compareAndSet(false, true)) {
                // Subscribed after start() stopped waiting: L1 may hold what a lost message
                // concerned.
                target.clearLocal("subscribed late");
              }
              if (closed.get()) {
                removeListeners();
              }
            });
  }

  private void onSubscribed() {
    if (closed.get()) {
      return;
    }
    if (subscribedOnce.compareAndSet(false, true)) {
      LOG.debug("cache '{}': subscribed to the invalidation channel", cacheName);
      return;
    }
    // Messages published while the subscription was down are lost for good.
    lastEchoNanos = System.nanoTime();
    gap("resubscribed", "invalidation channel resubscribed (messages may have been missed)");
  }

  private void onUnsubscribed() {
    if (!closed.get()) {
      gap("unsubscribed", "invalidation channel unsubscribed");
    }
  }

  private void onMessage(byte[] bytes) {
    InvalidationMessage m = InvalidationMessage.decode(bytes);
    if (m == null) {
      metrics.invalidationReceived("malformed");
      LOG.debug(
          "cache '{}': ignored a malformed message ({} bytes) on the invalidation channel",
          cacheName,
          bytes == null ? 0 : bytes.length);
      return;
    }
    if (m.origin().equals(instanceId)) {
      if (sentAt.getIfPresent(m.sentAtMicros()) == null) {
        cloned();
        return;
      }
      lastEchoNanos = System.nanoTime();
      if (!healthy) {
        healthy = true;
        gap("recovered", "own messages come back on the invalidation channel again");
      }
      return; // our own echo: L1 was already dropped when we published
    }
    checkSequence(m);
    switch (m.type()) {
      case KEYS -> target.dropLocal(m.keys(), m.versions());
      case ALL -> target.clearLocal("clear-all from " + m.origin());
      case HEARTBEAT -> {
        return;
      }
    }
    metrics.invalidationReceived(kind(m.type()));
    long micros = nowMicros() - m.sentAtMicros();
    metrics.invalidationPropagation(TimeUnit.MICROSECONDS.toNanos(Math.max(0, micros)));
  }

  private void checkSequence(InvalidationMessage m) {
    Long[] previous = new Long[1];
    lastSeqByOrigin
        .asMap()
        .compute(
            m.origin(),
            (o, last) -> {
              previous[0] = last;
              return last == null ? m.seq() : Math.max(last, m.seq());
            });
    Long last = previous[0];
    // An invalidation must be the next number; a heartbeat repeats the last one.
    long expected = m.type() == InvalidationMessage.Type.HEARTBEAT ? m.seq() : m.seq() - 1;
    if (last != null && expected > last) {
      gap("gap", "missed " + (expected - last) + " message(s) from instance " + m.origin());
    } else if (last == null && m.afterLoss()) {
      gap("gap", "instance " + m.origin() + " failed to publish before this message");
    }
  }

  /** Another process publishes under this instance's id (a cloned JVM): take a new one. */
  private void cloned() {
    UUID old = instanceId;
    instanceId = UUID.randomUUID();
    gap(
        "cloned",
        "another process publishes as this instance "
            + old
            + " (a cloned or restored JVM?); "
            + "now publishing as "
            + instanceId);
  }

  private void gap(String reason, String detail) {
    metrics.busClear(reason);
    LOG.warn("cache '{}': {}; L1 cleared", cacheName, detail);
    target.clearLocal(detail);
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // whenComplete's callback handles the outcome; listener removal
  // and heartbeats are best effort
  private void tickQuietly() {
    try {
      if (!listening) {
        subscribe();
        return;
      }
      if (healthy && System.nanoTime() - lastEchoNanos > heartbeatTimeoutNanos) {
        healthy = false;
        gap(
            "silent",
            "no echo of this instance's heartbeat for "
                + TimeUnit.NANOSECONDS.toMillis(heartbeatTimeoutNanos)
                + " ms");
      }
      send(InvalidationMessage.Type.HEARTBEAT, List.of(), new long[0]);
    } catch (RuntimeException e) {
      LOG.debug("cache '{}': bus tick failed", cacheName, e);
    }
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // whenComplete's callback handles the outcome; listener removal
  // and heartbeats are best effort
  private void removeListeners() {
    try {
      topic.removeListenerAsync(messageListenerId, statusListenerId);
    } catch (RuntimeException e) {
      LOG.debug("cache '{}': could not remove bus listeners", cacheName, e);
    }
  }

  /**
   * Stops heartbeats and unsubscribes, waiting up to the publish timeout for Redis to confirm (so a
   * closed cache leaves no subscription behind).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ticker.shutdownNow();
    sender.shutdown();
    if (listening) {
      try {
        topic
            .removeListenerAsync(messageListenerId, statusListenerId)
            .toCompletableFuture()
            .get(publishTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.debug("cache '{}': could not remove bus listeners", cacheName, e);
      }
    }
  }

  private long nowMicros() {
    Instant now = time.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  private static String kind(InvalidationMessage.Type type) {
    return switch (type) {
      case KEYS -> "keys";
      case ALL -> "all";
      case HEARTBEAT -> "heartbeat";
    };
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
