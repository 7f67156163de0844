package dev.larder.jdbc.internal;

import dev.larder.core.FailureClassifier;
import dev.larder.core.TimeSource;
import java.time.Duration;

/**
 * The router's settings, validated by the public builder ({@code ReplicaRouter.Builder}). An
 * immutable value: thread-safe.
 *
 * @param maxLagBytes a replica further behind than this leaves rotation
 * @param maxReplayDelay a replica whose replay delay exceeds this leaves rotation
 * @param healthCheckInterval pause between two checks of one server
 * @param healthCheckTimeout longest a check (or a read-your-writes probe) waits for a server's
 *     answer
 * @param leastInFlight balance by fewest in-flight reads instead of round robin
 * @param failWhenNoReplica throw instead of reading from the primary when no replica qualifies
 * @param readYourWritesWait how long a read-your-writes read may wait for a replica
 * @param time the clock
 * @param metrics where to report
 * @param classifier judges failures; a transient failure on a replica moves the read elsewhere
 */
public record RouterSettings(
    long maxLagBytes,
    Duration maxReplayDelay,
    Duration healthCheckInterval,
    Duration healthCheckTimeout,
    boolean leastInFlight,
    boolean failWhenNoReplica,
    Duration readYourWritesWait,
    TimeSource time,
    JdbcMetrics metrics,
    FailureClassifier classifier) {}
