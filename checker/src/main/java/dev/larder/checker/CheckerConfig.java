package dev.larder.checker;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What one checker run does: its seed, how long the workload runs, its size, the faults the nemesis
 * may draw, the cache's settings, and the bounds the checks hold the history to.
 *
 * <p>Immutable. Start from {@link #defaults(long)} or {@link #fromSystemProperties()} and change
 * with {@link #toBuilder()}. Every bound is documented in {@code checker/README.md} with the
 * guarantee it comes from.
 *
 * @param seed the seed: it alone fixes the fault schedule and each worker's choices
 * @param duration how long the workload runs (the nemesis schedule fits inside it)
 * @param instances cache instances, each with its own Redisson client
 * @param keys rows in the table, one cache key each
 * @param writers writer threads
 * @param readers cache reader threads
 * @param routedReaders threads reading through {@code RoutingJdbi} with read-your-writes or bounded
 *     staleness
 * @param faults fault names the nemesis draws from ({@link Faults#names()})
 * @param overlap whether a fault may start before the previous one healed
 * @param faultMin shortest fault
 * @param faultMax longest fault
 * @param quietMin shortest gap between faults (without overlap)
 * @param quietMax longest gap between faults
 * @param ttl the caches' soft TTL
 * @param maxStale the caches' stale window after the TTL
 * @param l1Ttl the caches' L1 TTL (the last-line bound of INVALIDATION.md)
 * @param busHeartbeat the caches' invalidation-bus heartbeat
 * @param loadTimeout the caches' load timeout
 * @param redisTimeout the caches' Redis timeout
 * @param outboxPollInterval the outbox source's poll interval
 * @param outboxReconnectMax the outbox source's longest reconnect backoff
 * @param boundedStaleness the staleness the routed readers ask for
 * @param slack scheduling slack added to every cache bound (a loaded 2-core host)
 * @param routedSlack slack on the routed reads' bounds: the router's health-check interval and two
 *     checks' time (jdbc README), plus clock rounding
 * @param redisBreakerWait how long a cache's Redis breaker stays open before it tries Redis again
 *     (the cache's default breaker: 5 s): after a Redis server fault heals, the cache may not look
 *     for that long
 * @param retryBound once the cache may use Redis again (the server fault healed and the breaker
 *     wait passed, or a forced-open breaker was closed), how long it may take to apply a fence it
 *     owes
 * @param latencySlack ε of the caller-latency check: a read returns within loadTimeout + this
 * @param settle how long after the last fault healed every instance must have converged
 */
public record CheckerConfig(
    long seed,
    Duration duration,
    int instances,
    int keys,
    int writers,
    int readers,
    int routedReaders,
    Set<String> faults,
    boolean overlap,
    Duration faultMin,
    Duration faultMax,
    Duration quietMin,
    Duration quietMax,
    Duration ttl,
    Duration maxStale,
    Duration l1Ttl,
    Duration busHeartbeat,
    Duration loadTimeout,
    Duration redisTimeout,
    Duration outboxPollInterval,
    Duration outboxReconnectMax,
    Duration boundedStaleness,
    Duration slack,
    Duration routedSlack,
    Duration redisBreakerWait,
    Duration retryBound,
    Duration latencySlack,
    Duration settle) {

  /** System property prefix of every setting. */
  public static final String PREFIX = "larder.checker.";

  /** Validates. */
  public CheckerConfig {
    faults =
        Set.copyOf(new LinkedHashSet<>(Objects.requireNonNull(faults, "faults must not be null")));
    positive(duration, "duration");
    atLeast(instances, 2, "instances");
    atLeast(keys, 1, "keys");
    atLeast(writers, 1, "writers");
    atLeast(readers, 1, "readers");
    atLeast(routedReaders, 0, "routedReaders");
    for (String f : faults) {
      if (!Faults.names().contains(f)) {
        throw new IllegalArgumentException(
            "faults must be among " + Faults.names() + " but had '" + f + "'");
      }
    }
    positive(faultMin, "faultMin");
    if (faultMax.compareTo(faultMin) < 0) {
      throw new IllegalArgumentException(
          "faultMax must be >= faultMin (" + faultMin + ") but was " + faultMax);
    }
    positive(quietMin, "quietMin");
    if (quietMax.compareTo(quietMin) < 0) {
      throw new IllegalArgumentException(
          "quietMax must be >= quietMin (" + quietMin + ") but was " + quietMax);
    }
    for (var d :
        List.of(
            ttl,
            maxStale,
            l1Ttl,
            busHeartbeat,
            loadTimeout,
            redisTimeout,
            outboxPollInterval,
            outboxReconnectMax,
            boundedStaleness,
            slack,
            routedSlack,
            redisBreakerWait,
            retryBound,
            latencySlack,
            settle)) {
      positive(d, "every duration");
    }
  }

  /**
   * The short profile with the given seed: 60 s of workload, 3 instances, 16 keys, 3 writers, 6
   * readers, 2 routed readers, every fault, one at a time.
   *
   * @param seed the seed
   * @return the configuration
   */
  public static CheckerConfig defaults(long seed) {
    Duration hb = Duration.ofMillis(200);
    Duration redisTimeout = Duration.ofMillis(250);
    return new CheckerConfig(
        seed,
        Duration.ofSeconds(60),
        3,
        16,
        3,
        6,
        2,
        Faults.names(),
        false,
        Duration.ofSeconds(2),
        Duration.ofSeconds(6),
        Duration.ofSeconds(2),
        Duration.ofSeconds(4),
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        Duration.ofSeconds(2),
        hb,
        Duration.ofSeconds(1),
        redisTimeout,
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        // jdbc README: a boundedStaleness(b) read misses no write older than b + I + 2c; the
        // router's
        // healthCheckInterval I is 1 s (its default) and 500 ms covers 2c and millisecond rounding
        Duration.ofMillis(1500),
        Duration.ofSeconds(5), // LarderCacheBuilder's default Redis breaker: open for 5 s
        // a few Redis calls (trial calls, the fence itself) and a heartbeat round, plus slack
        redisTimeout.multipliedBy(4).plus(hb.multipliedBy(4)).plusSeconds(1),
        // the cache's stated budget: loadTimeout + one redisTimeout under way; plus 1 s of slack
        redisTimeout.plusSeconds(1),
        Duration.ofSeconds(15));
  }

  /**
   * The defaults overridden by {@code larder.checker.*} system properties: {@code seed} (a number;
   * random when absent), {@code duration} (ISO-8601, e.g. {@code PT10M}), {@code faults}
   * (comma-separated names, or {@code all}), {@code exclude} (names to drop from that set), {@code
   * overlap}, {@code instances}, {@code keys}, {@code writers}, {@code readers}, {@code
   * routedReaders}, and every duration by its component name ({@code slack}, {@code retryBound},
   * ...).
   *
   * @return the configuration
   * @throws IllegalArgumentException naming the property and the value when one is malformed
   */
  public static CheckerConfig fromSystemProperties() {
    String seedText = System.getProperty(PREFIX + "seed");
    long seed =
        seedText == null || seedText.isBlank()
            ? ThreadLocalRandom.current().nextLong()
            : parse("seed", seedText, Long::parseLong);
    Builder b = defaults(seed).toBuilder();
    prop("duration", CheckerConfig::duration, v -> b.duration = v);
    intProp("instances", v -> b.instances = v);
    intProp("keys", v -> b.keys = v);
    intProp("writers", v -> b.writers = v);
    intProp("readers", v -> b.readers = v);
    intProp("routedReaders", v -> b.routedReaders = v);
    String overlap = System.getProperty(PREFIX + "overlap");
    if (overlap != null && !overlap.isBlank()) {
      b.overlap = Boolean.parseBoolean(overlap.trim());
    }
    String faults = System.getProperty(PREFIX + "faults");
    if (faults != null && !faults.isBlank() && !"all".equalsIgnoreCase(faults.trim())) {
      b.faults = names("faults", faults);
    }
    String exclude = System.getProperty(PREFIX + "exclude");
    if (exclude != null && !exclude.isBlank()) {
      Set<String> left = new LinkedHashSet<>(b.faults);
      left.removeAll(names("exclude", exclude));
      b.faults = left;
    }
    prop("faultMin", CheckerConfig::duration, v -> b.faultMin = v);
    prop("faultMax", CheckerConfig::duration, v -> b.faultMax = v);
    prop("quietMin", CheckerConfig::duration, v -> b.quietMin = v);
    prop("quietMax", CheckerConfig::duration, v -> b.quietMax = v);
    prop("slack", CheckerConfig::duration, v -> b.slack = v);
    prop("routedSlack", CheckerConfig::duration, v -> b.routedSlack = v);
    prop("retryBound", CheckerConfig::duration, v -> b.retryBound = v);
    prop("redisBreakerWait", CheckerConfig::duration, v -> b.redisBreakerWait = v);
    prop("latencySlack", CheckerConfig::duration, v -> b.latencySlack = v);
    prop("settle", CheckerConfig::duration, v -> b.settle = v);
    return b.build();
  }

  /**
   * A builder holding this configuration's values.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The bound on a fresh cache read after a completed direct write, when no fault touched the
   * reader's channel: detection of a lost message (4 × busHeartbeat, INVALIDATION.md) plus slack.
   *
   * @return the bound
   */
  public Duration directStalenessBound() {
    return busHeartbeat.multipliedBy(4).plus(slack);
  }

  /**
   * The bound when a fault touched the reader's channel: L1's TTL, the last line (INVALIDATION.md),
   * plus slack.
   *
   * @return the bound
   */
  public Duration channelFaultStalenessBound() {
    return l1Ttl.plus(slack);
  }

  /**
   * The longest a cache may take, after a Redis fault healed, to have applied what it owes: {@code
   * redisBreakerWait + retryBound}.
   *
   * @return the bound
   */
  public Duration recoveryBound() {
    return redisBreakerWait.plus(retryBound);
  }

  /**
   * A read returns within this: {@code loadTimeout + latencySlack}.
   *
   * @return the bound
   */
  public Duration latencyBound() {
    return loadTimeout.plus(latencySlack);
  }

  /**
   * How far around a fault window loads are counted as "inside" it (check 4) and a channel counts
   * as disturbed (check 1): the time an instance needs to notice the fault healed.
   *
   * @return the margin
   */
  public Duration settleMargin() {
    return busHeartbeat.multipliedBy(4).plus(slack);
  }

  /**
   * The command that replays this run: the same seed, duration and fault set.
   *
   * @param tier the tier the run used ({@code embedded} or {@code docker})
   * @return a shell command to run from the repository root
   */
  public String replayCommand(String tier) {
    List<String> props = new ArrayList<>();
    props.add("-Dlarder.test.services=" + tier);
    props.add("-D" + PREFIX + "seed=" + seed);
    props.add("-D" + PREFIX + "duration=" + duration);
    props.add(
        "-D"
            + PREFIX
            + "faults="
            + (faults.isEmpty() ? "none" : String.join(",", Faults.ordered(faults))));
    if (overlap) {
      props.add("-D" + PREFIX + "overlap=true");
    }
    return "./mvnw -B verify -pl checker -am -Dit.test=FaultCheckerIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false"
        + " -Dfailsafe.failIfNoSpecifiedTests=false "
        + String.join(" ", props);
  }

  private static Duration duration(String text) {
    Duration d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }

  private static Set<String> names(String property, String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String n : text.split(",", -1)) { // empty items are skipped below
      String name = n.trim();
      if (name.isEmpty() || "none".equals(name)) {
        continue;
      }
      if (!Faults.names().contains(name)) {
        throw new IllegalArgumentException(
            PREFIX
                + property
                + " must name faults among "
                + Faults.names()
                + " but had '"
                + name
                + "'");
      }
      out.add(name);
    }
    return out;
  }

  private static <T> void prop(
      String name, Function<String, T> parser, java.util.function.Consumer<T> set) {
    String text = System.getProperty(PREFIX + name);
    if (text != null && !text.isBlank()) {
      set.accept(parse(name, text, parser));
    }
  }

  private static void intProp(String name, java.util.function.IntConsumer set) {
    String text = System.getProperty(PREFIX + name);
    if (text != null && !text.isBlank()) {
      set.accept(parse(name, text, s -> Integer.parseInt(s.trim())));
    }
  }

  private static <T> T parse(String name, String text, Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          PREFIX + name + " is malformed: '" + text + "' (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          PREFIX + name + " " + e.getMessage() + " but was '" + text + "'", e);
    }
  }

  private static void positive(@Nullable Duration d, String name) {
    Objects.requireNonNull(d, name + " must not be null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0 but was " + d);
    }
  }

  private static void atLeast(int value, int min, String name) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + " but was " + value);
    }
  }

  /** A mutable copy, for changing a few settings. */
  public static final class Builder {
    private final long seed;
    private Duration duration;
    private int instances;
    private int keys;
    private int writers;
    private int readers;
    private int routedReaders;
    private Set<String> faults;
    private boolean overlap;
    private Duration faultMin;
    private Duration faultMax;
    private Duration quietMin;
    private Duration quietMax;
    private final CheckerConfig base;
    private Duration slack;
    private Duration routedSlack;
    private Duration retryBound;
    private Duration redisBreakerWait;
    private Duration latencySlack;
    private Duration settle;

    private Builder(CheckerConfig c) {
      this.base = c;
      this.seed = c.seed;
      this.duration = c.duration;
      this.instances = c.instances;
      this.keys = c.keys;
      this.writers = c.writers;
      this.readers = c.readers;
      this.routedReaders = c.routedReaders;
      this.faults = c.faults;
      this.overlap = c.overlap;
      this.faultMin = c.faultMin;
      this.faultMax = c.faultMax;
      this.quietMin = c.quietMin;
      this.quietMax = c.quietMax;
      this.slack = c.slack;
      this.routedSlack = c.routedSlack;
      this.retryBound = c.retryBound;
      this.redisBreakerWait = c.redisBreakerWait;
      this.latencySlack = c.latencySlack;
      this.settle = c.settle;
    }

    /**
     * How long the workload runs.
     *
     * @param d the duration
     * @return this builder
     */
    public Builder duration(Duration d) {
      this.duration = d;
      return this;
    }

    /**
     * The faults the nemesis draws from.
     *
     * @param names fault names
     * @return this builder
     */
    public Builder faults(String... names) {
      this.faults = new LinkedHashSet<>(Arrays.asList(names));
      return this;
    }

    /**
     * Whether faults may overlap.
     *
     * @param overlap true to let a fault start before the previous one healed
     * @return this builder
     */
    public Builder overlap(boolean overlap) {
      this.overlap = overlap;
      return this;
    }

    /**
     * The workload's size.
     *
     * @param instances cache instances
     * @param keys keys
     * @param writers writer threads
     * @param readers reader threads
     * @param routedReaders routed reader threads
     * @return this builder
     */
    public Builder size(int instances, int keys, int writers, int readers, int routedReaders) {
      this.instances = instances;
      this.keys = keys;
      this.writers = writers;
      this.readers = readers;
      this.routedReaders = routedReaders;
      return this;
    }

    /**
     * Fault lengths and the gaps between them.
     *
     * @param faultMin shortest fault
     * @param faultMax longest fault
     * @param quietMin shortest gap
     * @param quietMax longest gap
     * @return this builder
     */
    public Builder pacing(
        Duration faultMin, Duration faultMax, Duration quietMin, Duration quietMax) {
      this.faultMin = faultMin;
      this.faultMax = faultMax;
      this.quietMin = quietMin;
      this.quietMax = quietMax;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return it
     * @throws IllegalArgumentException if a value is out of range
     */
    public CheckerConfig build() {
      CheckerConfig c = base;
      return new CheckerConfig(
          seed,
          duration,
          instances,
          keys,
          writers,
          readers,
          routedReaders,
          faults,
          overlap,
          faultMin,
          faultMax,
          quietMin,
          quietMax,
          c.ttl,
          c.maxStale,
          c.l1Ttl,
          c.busHeartbeat,
          c.loadTimeout,
          c.redisTimeout,
          c.outboxPollInterval,
          c.outboxReconnectMax,
          c.boundedStaleness,
          slack,
          routedSlack,
          redisBreakerWait,
          retryBound,
          latencySlack,
          settle);
    }
  }
}
