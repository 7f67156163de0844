package dev.larder.testkit;

import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A single Redis node on a loopback port, shared by the tests of one JVM.
 *
 * <p>Isolate tests by key prefix ({@link #uniqueKeyPrefix(String)}) rather than by flushing:
 * other test classes use the same server.
 */
public interface RedisServer extends ManagedServer {

    /**
     * The host clients connect to.
     *
     * @return always {@code 127.0.0.1}
     */
    String host();

    /**
     * The port clients connect to; it stays the same across {@link #stop()} and {@link #start()}.
     *
     * @return the TCP port
     */
    int port();

    /**
     * The server's address as a Redis URI.
     *
     * @return {@code "redis://127.0.0.1:<port>"}
     */
    String uri();

    /**
     * A fresh Redisson single-server configuration for this server with short, test-friendly
     * settings: 1 s connect timeout, 1 s command timeout, 2 retries 200 ms apart, small
     * connection pools and few threads (the build machines have two cores). Each call returns a
     * new object that the caller may change.
     *
     * @return a new configuration
     */
    Config redissonConfig();

    /**
     * Creates a Redisson client from {@link #redissonConfig()}. The caller owns it and must
     * shut it down.
     *
     * @return a new, connected client
     * @throws org.redisson.client.RedisConnectionException if the server does not answer
     */
    RedissonClient newRedissonClient();

    /**
     * A key prefix no other caller in this JVM gets, so tests sharing the server do not see
     * each other's keys.
     *
     * @param hint a readable part for the prefix (a test name); characters other than letters,
     *     digits, {@code -} and {@code _} are replaced
     * @return a prefix such as {@code "orders-test:7f3a2c:"}, ending in {@code ':'}
     */
    String uniqueKeyPrefix(String hint);

    /**
     * Deletes every key in every database of the server. Other test classes share the server,
     * so prefer key prefixes; this is for tests that own the JVM.
     *
     * @throws TestServerException if the server does not answer
     */
    void flushAll();
}
