package dev.larder.cache.internal;

import dev.larder.cache.internal.RedisTier.Keys;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a holder's load leases alive while its load runs: every third of {@code lockLease} it sets
 * their expiry to {@code lockLease} from then (never past the holder's deadline), until stopped.
 *
 * <p>Why a short lease renewed rather than one as long as the load may take: a holder that loses
 * Redis (its breaker opens, its connection is cut, its process stops) stops renewing, and its lease
 * lapses within one {@code lockLease} of its last renewal, so waiters on other instances take over
 * then instead of waiting out {@code lockWait}. A healthy holder keeps its lease as long as one of
 * the renewals sent in any window of two thirds of {@code lockLease} reaches Redis: it survives a
 * failed renewal, or a pause (GC, a starved host) of up to two thirds of {@code lockLease} minus
 * one round trip.
 *
 * <p>Renewals are sent without waiting for their answers (a slow answer never delays the next one)
 * and only extend a lease still held under the holder's token (one that lapsed and was taken by
 * another instance, or was revoked by an invalidation, is left alone).
 */
final class LeaseRenewal implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewal.class);

  /** A renewal that was never started: for callers with nothing to renew. */
  static final LeaseRenewal NONE = new LeaseRenewal();

  private final @Nullable RedisTier redis;
  private final List<Keys> keys;
  private final String token;
  private final long generation;
  private final long leaseMillis;
  private final long untilNanos;
  private volatile boolean stopped;
  private volatile boolean lostLogged;
  private volatile @Nullable ScheduledFuture<?> task;

  private LeaseRenewal() {
    this.redis = null;
    this.keys = List.of();
    this.token = "";
    this.generation = 0;
    this.leaseMillis = 0;
    this.untilNanos = 0;
    this.stopped = true;
  }

  private LeaseRenewal(
      RedisTier redis,
      List<Keys> keys,
      String token,
      long generation,
      long leaseMillis,
      long untilNanos) {
    this.redis = redis;
    this.keys = List.copyOf(keys);
    this.token = token;
    this.generation = generation;
    this.leaseMillis = leaseMillis;
    this.untilNanos = untilNanos;
  }

  /**
   * Starts renewing leases just taken.
   *
   * @param scheduler runs the renewals (it must never block: renewals do not wait for Redis)
   * @param redis the tier
   * @param keys the leased keys
   * @param token the holder's token
   * @param generation the generation the leases were taken in
   * @param leaseMillis {@code lockLease}
   * @param untilNanos (System.nanoTime) when to stop renewing even if not stopped: the holder's
   *     deadline, after which nobody waits for its load
   * @return the renewal, to {@link #stop()} when the load is done
   */
  static LeaseRenewal start(
      ScheduledExecutorService scheduler,
      RedisTier redis,
      List<Keys> keys,
      String token,
      long generation,
      long leaseMillis,
      long untilNanos) {
    if (keys.isEmpty()) {
      return NONE;
    }
    LeaseRenewal r = new LeaseRenewal(redis, keys, token, generation, leaseMillis, untilNanos);
    long period = Math.max(1, TimeUnit.MILLISECONDS.toNanos(leaseMillis) / 3);
    try {
      r.task = scheduler.scheduleAtFixedRate(r, period, period, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      r.stopped = true; // the cache is closing: the lease lapses, or its holder releases it
    }
    if (r.stopped) {
      r.stop(); // stopped before the task was set
    }
    return r;
  }

  @Override
  @SuppressWarnings("FutureReturnValueIgnored") // whenComplete's callback handles the outcome
  public void run() {
    long left = untilNanos - System.nanoTime();
    RedisTier tier = redis;
    if (stopped || left <= 0 || tier == null) {
      stop();
      return;
    }
    long ttl = Math.max(1, Math.min(leaseMillis, TimeUnit.NANOSECONDS.toMillis(left)));
    tier.renew(keys, token, ttl, generation)
        .whenComplete(
            (held, t) -> {
              if (held != null && held.contains(false) && !lostLogged && !stopped) {
                lostLogged = true;
                LOG.debug(
                    "a load lease is no longer this holder's (lapsed and taken, or revoked by an invalidation); "
                        + "its load goes on, its write fenced by the version");
              }
            });
  }

  /** Stops renewing; idempotent. */
  void stop() {
    stopped = true;
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }
}
