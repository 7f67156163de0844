package dev.larder.mongo;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A starting point for {@link MongoClientPresets}: pool, timeouts, read/write concerns, read
 * preference and compression chosen together for one kind of workload. Every value can be
 * overridden, by the connection string or by the builder. The module README lists each value and
 * why it was chosen. Immutable and thread-safe.
 */
public enum MongoPreset {
  /**
   * Request/response traffic: a pool sized for many short operations, fail-fast timeouts (a request
   * should fail in seconds, not queue for the driver's default two minutes), majority writes and
   * majority reads on the primary (what causal consistency needs to survive a failover), no
   * compression (small documents, latency first).
   */
  OLTP,

  /**
   * Reporting and analytical reads: a small pool of long-running operations, long socket timeouts,
   * {@code secondaryPreferred} reads with {@code maxStalenessSeconds=120} to keep load off the
   * primary while refusing badly lagging secondaries, {@code local} read concern, zlib compression
   * (large results, bandwidth-bound).
   */
  ANALYTICS,

  /**
   * Bulk loads and back-office jobs: a modest pool, patient connection checkout (a job may queue
   * for a connection rather than fail), long socket timeouts, majority writes with a long write
   * concern timeout, primary reads, zlib compression.
   */
  BATCH;

  /**
   * Parses a preset name, ignoring case and accepting {@code -} for {@code _}.
   *
   * @param name a preset name such as {@code "oltp"}
   * @return the preset
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException naming the value and the accepted names if it is unknown
   */
  public static MongoPreset parse(String name) {
    Objects.requireNonNull(name, "preset must not be null");
    String normal = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (MongoPreset p : values()) {
      if (p.name().equals(normal)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "preset must be one of "
            + Arrays.stream(values())
                .map(p -> p.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ", "[", "]"))
            + " but was '"
            + name
            + "'");
  }
}
