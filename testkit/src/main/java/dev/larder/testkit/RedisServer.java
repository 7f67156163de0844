package dev.larder.testkit;

import java.util.List;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * A single Redis node on a loopback port, shared by the tests of one JVM.
 *
 * <p>Isolate tests by name rather than by flushing, since other test classes use the same server: a
 * Larder cache by namespace ({@link #uniqueNamespaceName(String)}), raw keys and channels by key
 * prefix ({@link #uniqueKeyPrefix(String)}).
 *
 * <p>Besides the faults every {@link ManagedServer} has, Redis has its own: a restart that loads an
 * older dataset from disk ({@link #snapshot()}, {@link #restartFromSnapshot()}), and the
 * disconnection of every pub/sub subscriber ({@link #killPubSubClients()}). The counting methods
 * ({@link #clientCount()}, {@link #pubSubChannels(String)}, {@link #pubSubNumSub(String)}) let a
 * test check that clients it closed left nothing behind. All of them talk RESP over a connection of
 * their own, so they work whatever the client library under test refuses to send.
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
   * settings: 1 s connect timeout, 1 s command timeout, 2 retries 200 ms apart, small connection
   * pools and few threads (the build machines have two cores). Each call returns a new object that
   * the caller may change.
   *
   * @return a new configuration
   */
  Config redissonConfig();

  /**
   * Creates a Redisson client from {@link #redissonConfig()}. The caller owns it and must shut it
   * down.
   *
   * @return a new, connected client
   * @throws org.redisson.client.RedisConnectionException if the server does not answer
   */
  RedissonClient newRedissonClient();

  /**
   * A key prefix no other caller in this JVM gets, so tests sharing the server do not see each
   * other's keys.
   *
   * @param hint a readable part for the prefix (a test name); characters other than letters,
   *     digits, {@code -} and {@code _} are replaced
   * @return a prefix such as {@code "orders-test:7f3a2c:"}, ending in {@code ':'}
   */
  String uniqueKeyPrefix(String hint);

  /**
   * A namespace name no other caller in this JVM gets, for a Larder cache under test: {@code
   * KeyNamespace.of(redis.uniqueNamespaceName("orders"), 1)}. A key prefix from {@link
   * #uniqueKeyPrefix(String)} is not a valid namespace name (it holds {@code ':'}).
   *
   * @param hint a readable part for the name (a test name); characters other than letters, digits,
   *     {@code .}, {@code _} and {@code -} are replaced by {@code -}, it is cut to 40 characters,
   *     and {@code t} is put in front when it does not start with a letter or digit
   * @return a name such as {@code "orders-test-7f3a2c"}, accepted by {@link
   *     dev.larder.core.KeyNamespace#of(String, int)}: {@code [A-Za-z0-9][A-Za-z0-9._-]*}, at most
   *     {@value dev.larder.core.KeyNamespace#MAX_NAME_LENGTH} characters
   */
  String uniqueNamespaceName(String hint);

  /**
   * Deletes every key in every database of the server. Other test classes share the server, so
   * prefer key prefixes; this is for tests that own the JVM.
   *
   * @throws TestServerException if the server does not answer
   */
  void flushAll();

  /**
   * Saves the dataset now ({@code SAVE}, synchronous): this is the dataset {@link
   * #restartFromSnapshot()} brings back. A later snapshot replaces it. Plain {@link #stop()} /
   * {@link #start()} never load it: they keep coming back empty.
   *
   * @throws IllegalStateException if the server is stopped or paused
   * @throws TestServerException if the server does not answer or cannot save
   */
  void snapshot();

  /**
   * The server dies without saving (SIGKILL, or {@code docker kill}) and starts again on the same
   * port, loading the dataset of the last {@link #snapshot()}: everything written after the
   * snapshot is gone and everything before it is back, as when a production Redis restarts from its
   * RDB file. Clients lose their connections; the server's {@link #runId()} changes. Returns once
   * the server answers {@code PING} again (after it loaded the file). A paused server is thawed
   * first.
   *
   * @throws IllegalStateException if no snapshot was taken, or the server is stopped
   * @throws TestServerException if the server does not come back
   */
  void restartFromSnapshot();

  /**
   * The server's {@code run_id} (from {@code INFO server}): a random id each server process draws
   * at start, so it changes on every restart and on nothing else.
   *
   * @return 40 hex characters
   * @throws TestServerException if the server does not answer
   */
  String runId();

  /**
   * Disconnects every client in pub/sub mode ({@code CLIENT KILL TYPE pubsub}, which Redisson
   * refuses to send): subscribers lose the messages published until they have resubscribed.
   *
   * @return how many connections the server closed
   * @throws TestServerException if the server does not answer
   */
  int killPubSubClients();

  /**
   * How many client connections the server has ({@code CLIENT LIST}), not counting the one this
   * method opens to ask.
   *
   * @return the number of other connections
   * @throws TestServerException if the server does not answer
   */
  int clientCount();

  /**
   * The channels that have at least one subscriber ({@code PUBSUB CHANNELS pattern}); pattern
   * subscriptions are not included.
   *
   * @param pattern a glob such as {@code "larder:*"}
   * @return the channel names, sorted
   * @throws TestServerException if the server does not answer
   */
  List<String> pubSubChannels(String pattern);

  /**
   * How many clients are subscribed to one channel ({@code PUBSUB NUMSUB channel}).
   *
   * @param channel the channel name
   * @return the number of subscribers, 0 for a channel nobody listens to
   * @throws TestServerException if the server does not answer
   */
  long pubSubNumSub(String channel);
}
