package dev.larder.cache;

import dev.larder.core.internal.Require;
import java.net.URL;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.SingleServerConfig;

/**
 * Builds a Redisson {@link Config} for a single Redis server with settings chosen for a cache tier:
 * small pools, no Redisson-level retries (the cache already degrades to L1 and the loader when
 * Redis fails, so a retry would only stack waits on a caller's request), and lazy connections:
 * {@code Redisson.create} does not connect, so a slow host or a Redis that is down at start-up does
 * not fail start-up (the cache degrades until Redis answers).
 *
 * <pre>{@code
 * Config config = RedissonPresets.singleServer("rediss://cache.internal:6379")
 *     .password(secret).responseTimeout(Duration.ofMillis(300)).build();
 * RedissonClient redisson = Redisson.create(config);
 * }</pre>
 *
 * <p>Secrets (password, keystore and truststore passwords) are passed through to Redisson and never
 * appear in {@link #toString()} or exception messages.
 */
public final class RedissonPresets {

  /** Default connection pool size: a cache call holds a connection for one round trip. */
  public static final int DEFAULT_CONNECTION_POOL_SIZE = 32;

  /**
   * Default idle connections kept open, so a burst after a quiet spell does not pay for connects.
   */
  public static final int DEFAULT_CONNECTION_MINIMUM_IDLE_SIZE = 8;

  /** Default pub/sub connection pool: invalidation uses one channel per cache. */
  public static final int DEFAULT_SUBSCRIPTION_POOL_SIZE = 4;

  /** Default idle pub/sub connections. */
  public static final int DEFAULT_SUBSCRIPTION_MINIMUM_IDLE_SIZE = 1;

  /** Default TCP connect timeout. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  /** Default response timeout per attempt. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(2);

  /** Default Redisson retries after the first attempt: none (the cache falls back instead). */
  public static final int DEFAULT_RETRY_ATTEMPTS = 0;

  /** Default delay between Redisson retries, when retries are enabled. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(50);

  /** Default PING interval on idle connections, to find dead ones before a request does. */
  public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(10);

  private final String address;
  private int connectionPoolSize = DEFAULT_CONNECTION_POOL_SIZE;
  private int connectionMinimumIdleSize = DEFAULT_CONNECTION_MINIMUM_IDLE_SIZE;
  private int subscriptionPoolSize = DEFAULT_SUBSCRIPTION_POOL_SIZE;
  private int subscriptionMinimumIdleSize = DEFAULT_SUBSCRIPTION_MINIMUM_IDLE_SIZE;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
  private int retryAttempts = DEFAULT_RETRY_ATTEMPTS;
  private Duration retryDelay = DEFAULT_RETRY_DELAY;
  private Duration pingInterval = DEFAULT_PING_INTERVAL;
  private boolean tcpKeepAlive = true;
  private int database;
  private @Nullable Duration maxCallDuration;
  private @Nullable String username;
  private @Nullable String password;
  private @Nullable URL truststore;
  private @Nullable String truststorePassword;
  private @Nullable URL keystore;
  private @Nullable String keystorePassword;
  private @Nullable String clientName;

  private RedissonPresets(String address) {
    this.address = address;
  }

  /**
   * Starts a preset for one server.
   *
   * @param address {@code redis://host:port} or, for TLS, {@code rediss://host:port}
   * @return the builder
   * @throws IllegalArgumentException if the scheme is neither
   */
  public static RedissonPresets singleServer(String address) {
    Require.notNull(address, "address");
    if (!address.startsWith("redis://") && !address.startsWith("rediss://")) {
      throw new IllegalArgumentException(
          "address must start with redis:// or rediss:// but was '"
              + redactUserInfo(address)
              + "'");
    }
    return new RedissonPresets(address);
  }

  /**
   * Connections per pool. Each cache call holds one for a round trip; size for concurrent calls,
   * not threads.
   *
   * @param size {@code > 0}; default {@value #DEFAULT_CONNECTION_POOL_SIZE}
   * @return this
   */
  public RedissonPresets connectionPoolSize(int size) {
    this.connectionPoolSize = Require.positive(size, "connectionPoolSize");
    return this;
  }

  /**
   * Connections kept open while idle.
   *
   * @param size {@code >= 0}, at most the pool size; default {@value
   *     #DEFAULT_CONNECTION_MINIMUM_IDLE_SIZE}
   * @return this
   */
  public RedissonPresets connectionMinimumIdleSize(int size) {
    this.connectionMinimumIdleSize = Require.nonNegative(size, "connectionMinimumIdleSize");
    return this;
  }

  /**
   * Pub/sub connections (Redisson's default of 50 is sized for lock-heavy use; a cache needs few).
   *
   * @param size {@code > 0}; default {@value #DEFAULT_SUBSCRIPTION_POOL_SIZE}
   * @return this
   */
  public RedissonPresets subscriptionPoolSize(int size) {
    this.subscriptionPoolSize = Require.positive(size, "subscriptionPoolSize");
    return this;
  }

  /**
   * Pub/sub connections kept open while idle.
   *
   * @param size {@code >= 0}, at most the subscription pool size; default 1
   * @return this
   */
  public RedissonPresets subscriptionMinimumIdleSize(int size) {
    this.subscriptionMinimumIdleSize = Require.nonNegative(size, "subscriptionMinimumIdleSize");
    return this;
  }

  /**
   * TCP connect timeout. Short, so a dead server is noticed quickly.
   *
   * @param timeout {@code > 0}; default 2 s
   * @return this
   */
  public RedissonPresets connectTimeout(Duration timeout) {
    this.connectTimeout = Require.positive(timeout, "connectTimeout");
    return this;
  }

  /**
   * How long Redisson waits for each reply (per attempt): the ceiling after which it frees the
   * connection. The cache gives up earlier on its own (its timeout follows the round trips Redis
   * actually takes, up to its {@code redisTimeout}), so keep this at the cache's {@code
   * redisTimeout}: shorter, it cuts the cache's slow-but-alive answers on a busy host.
   *
   * @param timeout {@code > 0}; default 2 s
   * @return this
   */
  public RedissonPresets responseTimeout(Duration timeout) {
    this.responseTimeout = Require.positive(timeout, "responseTimeout");
    return this;
  }

  /**
   * Redisson's own retries after a failed attempt. Default 0: the cache does not retry Redis (it
   * serves from L1 and the loader), so retries here would be a second, hidden retry layer.
   *
   * @param attempts {@code >= 0}
   * @param delay pause between attempts, {@code >= 0}
   * @return this
   */
  public RedissonPresets retries(int attempts, Duration delay) {
    this.retryAttempts = Require.nonNegative(attempts, "retryAttempts");
    this.retryDelay = Require.nonNegative(delay, "retryDelay");
    return this;
  }

  /**
   * The longest a single call may take in total, usually the cache's {@code redisTimeout}. When
   * set, {@link #build()} checks that {@code responseTimeout × (retries + 1) + retryDelay ×
   * retries} fits in it, so Redisson's retries never outlast the caller's budget.
   *
   * @param budget {@code > 0}
   * @return this
   */
  public RedissonPresets maxCallDuration(Duration budget) {
    this.maxCallDuration = Require.positive(budget, "maxCallDuration");
    return this;
  }

  /**
   * Interval between PINGs on connections, which finds connections that a NAT or load balancer has
   * silently dropped before a request does. Zero disables.
   *
   * @param interval {@code >= 0}; default 10 s
   * @return this
   */
  public RedissonPresets pingInterval(Duration interval) {
    this.pingInterval = Require.nonNegative(interval, "pingInterval");
    return this;
  }

  /**
   * TCP keepalive on connections (default on): lets the kernel detect a peer that vanished without
   * closing the connection.
   *
   * @param enabled whether to enable it
   * @return this
   */
  public RedissonPresets tcpKeepAlive(boolean enabled) {
    this.tcpKeepAlive = enabled;
    return this;
  }

  /**
   * The Redis database index.
   *
   * @param index {@code >= 0}; default 0
   * @return this
   */
  public RedissonPresets database(int index) {
    this.database = Require.nonNegative(index, "database");
    return this;
  }

  /**
   * The ACL user name (Redis 6+). Requires a password.
   *
   * @param username the user
   * @return this
   */
  public RedissonPresets username(String username) {
    this.username = Require.notNull(username, "username");
    return this;
  }

  /**
   * The password (AUTH). Passed to Redisson, never logged.
   *
   * @param password the password
   * @return this
   */
  public RedissonPresets password(String password) {
    this.password = Require.notNull(password, "password");
    return this;
  }

  /**
   * The trust store for TLS (requires a {@code rediss://} address).
   *
   * @param truststore location of the trust store
   * @param password its password, or null; never logged
   * @return this
   */
  public RedissonPresets truststore(URL truststore, @Nullable String password) {
    this.truststore = Require.notNull(truststore, "truststore");
    this.truststorePassword = password;
    return this;
  }

  /**
   * The key store for TLS client authentication (requires a {@code rediss://} address).
   *
   * @param keystore location of the key store
   * @param password its password, or null; never logged
   * @return this
   */
  public RedissonPresets keystore(URL keystore, @Nullable String password) {
    this.keystore = Require.notNull(keystore, "keystore");
    this.keystorePassword = password;
    return this;
  }

  /**
   * The name shown by {@code CLIENT LIST}, for finding a service's connections.
   *
   * @param name the client name
   * @return this
   */
  public RedissonPresets clientName(String name) {
    this.clientName = Require.notNull(name, "clientName");
    return this;
  }

  /**
   * Builds the Redisson configuration.
   *
   * @return a new {@link Config}
   * @throws IllegalStateException if settings conflict: a minimum idle size above its pool size, a
   *     key or trust store without a {@code rediss://} address, a user name without a password, or
   *     retries that do not fit in {@code maxCallDuration}
   */
  public Config build() {
    if (connectionMinimumIdleSize > connectionPoolSize) {
      throw new IllegalStateException(
          "connectionMinimumIdleSize must be <= connectionPoolSize ("
              + connectionPoolSize
              + ") but was "
              + connectionMinimumIdleSize);
    }
    if (subscriptionMinimumIdleSize > subscriptionPoolSize) {
      throw new IllegalStateException(
          "subscriptionMinimumIdleSize must be <= subscriptionPoolSize ("
              + subscriptionPoolSize
              + ") but was "
              + subscriptionMinimumIdleSize);
    }
    boolean tls = address.startsWith("rediss://");
    if (!tls && (truststore != null || keystore != null)) {
      throw new IllegalStateException(
          "a truststore or keystore needs a rediss:// address but the address is "
              + redactUserInfo(address));
    }
    if (username != null && password == null) {
      throw new IllegalStateException("username needs a password but none was set");
    }
    if (maxCallDuration != null) {
      Duration worst =
          responseTimeout
              .multipliedBy(retryAttempts + 1L)
              .plus(retryDelay.multipliedBy(retryAttempts));
      if (worst.compareTo(maxCallDuration) > 0) {
        throw new IllegalStateException(
            "responseTimeout x (retryAttempts + 1) + retryDelay x retryAttempts must be <= "
                + "maxCallDuration ("
                + maxCallDuration
                + ") but was "
                + worst);
      }
    }
    Config config = new Config();
    SingleServerConfig server =
        config
            .useSingleServer()
            .setAddress(address)
            .setConnectionPoolSize(connectionPoolSize)
            .setConnectionMinimumIdleSize(connectionMinimumIdleSize)
            .setSubscriptionConnectionPoolSize(subscriptionPoolSize)
            .setSubscriptionConnectionMinimumIdleSize(subscriptionMinimumIdleSize)
            .setDatabase(database);
    server
        .setConnectTimeout(millis(connectTimeout))
        .setTimeout(millis(responseTimeout))
        .setRetryAttempts(retryAttempts)
        .setRetryDelay(new ConstantDelay(retryDelay))
        .setPingConnectionInterval(millis(pingInterval));
    // Redisson 4 moved these from the server config to Config.
    config.setTcpKeepAlive(tcpKeepAlive).setTcpNoDelay(true);
    // Connections are made on first use, not in Redisson.create(): a slow host (or a Redis that is
    // down at start) must not fail start-up on the steady-state responseTimeout; the cache degrades
    // to L1 and the loader until Redis answers.
    config.setLazyInitialization(true);
    if (clientName != null) {
      server.setClientName(clientName);
    }
    if (username != null) {
      config.setUsername(username);
    }
    if (password != null) {
      config.setPassword(password);
    }
    if (truststore != null) {
      config.setSslTruststore(truststore).setSslTruststorePassword(truststorePassword);
    }
    if (keystore != null) {
      config.setSslKeystore(keystore).setSslKeystorePassword(keystorePassword);
    }
    return config;
  }

  @Override
  public String toString() {
    return "RedissonPresets[address="
        + redactUserInfo(address)
        + ", connectionPoolSize="
        + connectionPoolSize
        + ", connectionMinimumIdleSize="
        + connectionMinimumIdleSize
        + ", subscriptionPoolSize="
        + subscriptionPoolSize
        + ", subscriptionMinimumIdleSize="
        + subscriptionMinimumIdleSize
        + ", connectTimeout="
        + connectTimeout
        + ", responseTimeout="
        + responseTimeout
        + ", retryAttempts="
        + retryAttempts
        + ", retryDelay="
        + retryDelay
        + ", pingInterval="
        + pingInterval
        + ", tcpKeepAlive="
        + tcpKeepAlive
        + ", database="
        + database
        + ", username="
        + (username == null ? "none" : username)
        + ", password="
        + (password == null ? "none" : "<redacted>")
        + ", truststore="
        + (truststore == null ? "none" : truststore + " (password redacted)")
        + ", keystore="
        + (keystore == null ? "none" : keystore + " (password redacted)")
        + "]";
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  /** Hides {@code user:password@} in an address. */
  private static String redactUserInfo(String address) {
    int scheme = address.indexOf("://");
    int at = address.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return address;
    }
    return address.substring(0, scheme + 3) + "<redacted>@" + address.substring(at + 1);
  }
}
