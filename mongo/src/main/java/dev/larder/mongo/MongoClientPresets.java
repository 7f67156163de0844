package dev.larder.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCompressor;
import com.mongodb.ReadConcern;
import com.mongodb.ReadConcernLevel;
import com.mongodb.ReadPreference;
import com.mongodb.TagSet;
import com.mongodb.TaggableReadPreference;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.larder.core.internal.Require;
import dev.larder.mongo.internal.MicrometerListeners;
import dev.larder.mongo.internal.ReadPreferences;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Tuned {@link MongoClientSettings} for mongodb-driver-sync, starting from a {@link MongoPreset}.
 *
 * <pre>{@code
 * MongoClientSettings settings = MongoClientPresets.builder(MongoPreset.OLTP, "mongodb://db1,db2/?replicaSet=rs0")
 *     .maxPoolSize(40)
 *     .meterRegistry(registry)
 *     .build();
 * MongoClient client = MongoClients.create(settings);
 * }</pre>
 *
 * <p>Each value is taken, in this order, from the builder, else from the connection string (so
 * operators can tune through the URI), else from the preset. Retryable reads and writes are always
 * on. The result is the driver's own immutable settings object, so everything the builder does not
 * cover can still be changed with {@code MongoClientSettings.builder(settings)}.
 *
 * <p>This class only starts builders: it holds no state and its methods are thread-safe. A {@link
 * Builder} is not thread-safe; what it builds is.
 */
public final class MongoClientPresets {

  /**
   * The smallest {@code maxStalenessSeconds} the server selection specification allows, in seconds.
   */
  public static final long MIN_MAX_STALENESS_SECONDS = 90;

  private static final List<String> COMPRESSORS = List.of("zlib", "snappy", "zstd");
  private static final List<String> READ_CONCERNS =
      List.of("local", "majority", "linearizable", "snapshot", "available");

  private MongoClientPresets() {}

  /**
   * Starts a builder.
   *
   * @param preset the starting values
   * @param connectionString a {@code mongodb://} or {@code mongodb+srv://} connection string
   * @return a new builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the connection string cannot be parsed (the driver's
   *     message names the problem; the string itself is not repeated, as it may hold a password)
   */
  public static Builder builder(MongoPreset preset, String connectionString) {
    Require.notNull(preset, "preset");
    Require.notNull(connectionString, "connectionString");
    ConnectionString cs;
    try {
      cs = new ConnectionString(connectionString);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("connectionString is invalid: " + e.getMessage(), e);
    }
    return new Builder(preset, cs);
  }

  /**
   * Starts a builder from a preset name, for configuration read from properties.
   *
   * @param preset a preset name ({@code oltp}, {@code analytics}, {@code batch}; case-insensitive)
   * @param connectionString a connection string
   * @return a new builder
   * @throws IllegalArgumentException if the preset name is unknown, naming it and the accepted
   *     names
   */
  public static Builder builder(String preset, String connectionString) {
    return builder(MongoPreset.parse(preset), connectionString);
  }

  /**
   * Builds tuned {@link MongoClientSettings}. Each setting may be given once: a repeated setting
   * fails with {@link IllegalStateException} naming the value set earlier; a bad value fails at
   * once with {@link IllegalArgumentException} naming the setting and the value; rules that involve
   * several settings (or the connection string and the preset) are checked in {@link #build()}.
   *
   * <p>Not thread-safe; the settings it builds are immutable and thread-safe, and so is the client
   * {@link #buildClient()} creates.
   */
  public static final class Builder {
    private final MongoPreset preset;
    private final ConnectionString connectionString;
    private @Nullable Integer maxPoolSize;
    private @Nullable Integer minPoolSize;
    private @Nullable Integer maxConnecting;
    private @Nullable Duration maxWaitTime;
    private @Nullable Duration maxConnectionIdleTime;
    private @Nullable Duration maxConnectionLifeTime;
    private @Nullable Duration serverSelectionTimeout;
    private @Nullable Duration connectTimeout;
    private @Nullable Duration socketTimeout;
    private @Nullable Duration heartbeatFrequency;
    private @Nullable String readMode;
    private @Nullable List<TagSet> tagSets;
    private @Nullable Duration maxStaleness;
    private @Nullable ReadConcern readConcern;
    private @Nullable WriteConcern writeConcern;
    private @Nullable List<MongoCompressor> compressors;
    private @Nullable String applicationName;
    private @Nullable MeterRegistry meterRegistry;

    private Builder(MongoPreset preset, ConnectionString connectionString) {
      this.preset = preset;
      this.connectionString = connectionString;
    }

    /**
     * The most connections the pool opens to each server.
     *
     * @param size {@code > 0}; the driver's "0 = unlimited" is refused on purpose
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxPoolSize(int size) {
      Require.notYetSet(maxPoolSize, "maxPoolSize");
      this.maxPoolSize = Require.positive(size, "maxPoolSize");
      return this;
    }

    /**
     * Connections kept open to each server even when idle.
     *
     * @param size {@code >= 0}, at most {@code maxPoolSize} (checked in {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder minPoolSize(int size) {
      Require.notYetSet(minPoolSize, "minPoolSize");
      this.minPoolSize = Require.nonNegative(size, "minPoolSize");
      return this;
    }

    /**
     * How many connections a pool may be establishing at once (bounds connection storms).
     *
     * @param count {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxConnecting(int count) {
      Require.notYetSet(maxConnecting, "maxConnecting");
      this.maxConnecting = Require.positive(count, "maxConnecting");
      return this;
    }

    /**
     * How long an operation waits for a pooled connection before failing with a {@code
     * MongoTimeoutException}.
     *
     * @param wait {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxWaitTime(Duration wait) {
      Require.notYetSet(maxWaitTime, "maxWaitTime");
      this.maxWaitTime = Require.positive(wait, "maxWaitTime");
      return this;
    }

    /**
     * Idle connections older than this are closed; keep it below any firewall/NAT/load balancer
     * idle timeout between the application and the servers.
     *
     * @param idle {@code >= 0}; zero means no limit
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder maxConnectionIdleTime(Duration idle) {
      Require.notYetSet(maxConnectionIdleTime, "maxConnectionIdleTime");
      this.maxConnectionIdleTime = Require.nonNegative(idle, "maxConnectionIdleTime");
      return this;
    }

    /**
     * Connections older than this are closed when returned to the pool, so load spreads to new
     * members after a scale-out or failover.
     *
     * @param life {@code >= 0}; zero means no limit
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder maxConnectionLifeTime(Duration life) {
      Require.notYetSet(maxConnectionLifeTime, "maxConnectionLifeTime");
      this.maxConnectionLifeTime = Require.nonNegative(life, "maxConnectionLifeTime");
      return this;
    }

    /**
     * How long the driver looks for a server matching an operation's read preference (or a primary,
     * for writes) before failing with a {@code MongoTimeoutException}.
     *
     * @param timeout {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder serverSelectionTimeout(Duration timeout) {
      Require.notYetSet(serverSelectionTimeout, "serverSelectionTimeout");
      this.serverSelectionTimeout = Require.positive(timeout, "serverSelectionTimeout");
      return this;
    }

    /**
     * TCP connect timeout.
     *
     * @param timeout {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder connectTimeout(Duration timeout) {
      Require.notYetSet(connectTimeout, "connectTimeout");
      this.connectTimeout = Require.positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Socket read timeout: how long one operation may wait for the server's reply.
     *
     * @param timeout {@code >= 0}; zero means wait forever (not recommended)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder socketTimeout(Duration timeout) {
      Require.notYetSet(socketTimeout, "socketTimeout");
      this.socketTimeout = Require.nonNegative(timeout, "socketTimeout");
      return this;
    }

    /**
     * How often the driver checks each server's state (and so how quickly it notices a new primary
     * or a lagging secondary).
     *
     * @param frequency at least 500 ms (the driver's minimum heartbeat)
     * @return this builder
     * @throws IllegalArgumentException if shorter than 500 ms
     * @throws IllegalStateException if already set
     */
    public Builder heartbeatFrequency(Duration frequency) {
      Require.notYetSet(heartbeatFrequency, "heartbeatFrequency");
      Require.notNull(frequency, "heartbeatFrequency");
      if (frequency.compareTo(Duration.ofMillis(500)) < 0) {
        throw new IllegalArgumentException(
            "heartbeatFrequency must be >= PT0.5S but was " + frequency);
      }
      this.heartbeatFrequency = frequency;
      return this;
    }

    /**
     * The read preference mode for reads that do not say otherwise.
     *
     * @param mode {@code primary}, {@code primaryPreferred}, {@code secondary}, {@code
     *     secondaryPreferred} or {@code nearest}
     * @return this builder
     * @throws IllegalArgumentException naming the value and the accepted modes if unknown
     * @throws IllegalStateException if already set
     */
    public Builder readPreference(String mode) {
      Require.notYetSet(readMode, "readPreference");
      this.readMode = ReadPreferences.parseMode(mode, "readPreference");
      return this;
    }

    /**
     * Tag sets a member must match to serve reads, tried in order (an empty tag set matches any
     * member). Not allowed with mode {@code primary}.
     *
     * @param tagSets the tag sets, at least one
     * @return this builder
     * @throws IllegalArgumentException if empty
     * @throws IllegalStateException if already set
     */
    public Builder readTagSets(List<TagSet> tagSets) {
      Require.notYetSet(this.tagSets, "readTagSets");
      Require.notNull(tagSets, "readTagSets");
      if (tagSets.isEmpty()) {
        throw new IllegalArgumentException("readTagSets must not be empty but was []");
      }
      this.tagSets = List.copyOf(tagSets);
      return this;
    }

    /**
     * Secondaries estimated to lag the primary by more than this are not read from. Not allowed
     * with mode {@code primary}.
     *
     * @param staleness at least {@value #MIN_MAX_STALENESS_SECONDS} s and at least the heartbeat
     *     frequency + 10 s (checked in {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxStaleness(Duration staleness) {
      Require.notYetSet(maxStaleness, "maxStaleness");
      this.maxStaleness = Require.positive(staleness, "maxStaleness");
      return this;
    }

    private static String levelOf(ReadConcern concern) {
      ReadConcernLevel level = concern.getLevel();
      return level == null ? "the server's default" : level.getValue();
    }

    /**
     * The default read concern.
     *
     * @param level {@code local}, {@code majority}, {@code linearizable}, {@code snapshot} or
     *     {@code available}
     * @return this builder
     * @throws IllegalArgumentException naming the value and the accepted levels if unknown
     * @throws IllegalStateException if already set
     */
    public Builder readConcern(String level) {
      Require.notYetSet(readConcern == null ? null : levelOf(readConcern), "readConcern");
      Require.notNull(level, "readConcern");
      if (!READ_CONCERNS.contains(level.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "readConcern must be one of " + READ_CONCERNS + " but was '" + level + "'");
      }
      this.readConcern =
          new ReadConcern(ReadConcernLevel.fromString(level.toLowerCase(Locale.ROOT)));
      return this;
    }

    /**
     * The default write concern.
     *
     * @param concern the driver's write concern, e.g. {@code WriteConcern.MAJORITY.withWTimeout(5,
     *     SECONDS)}; unacknowledged writes are refused (their failures are invisible)
     * @return this builder
     * @throws IllegalArgumentException if unacknowledged
     * @throws IllegalStateException if already set
     */
    public Builder writeConcern(WriteConcern concern) {
      Require.notYetSet(
          writeConcern == null ? null : writeConcern.asDocument().toJson(), "writeConcern");
      Require.notNull(concern, "writeConcern");
      if (!concern.isAcknowledged()) {
        throw new IllegalArgumentException(
            "writeConcern must be acknowledged but was " + concern.asDocument().toJson());
      }
      this.writeConcern = concern;
      return this;
    }

    /**
     * Wire compressors to offer the server, in order of preference.
     *
     * @param names any of {@code zlib} (built in), {@code snappy} (needs {@code
     *     org.xerial.snappy:snappy-java}), {@code zstd} (needs {@code com.github.luben:zstd-jni});
     *     none to turn compression off
     * @return this builder
     * @throws IllegalArgumentException naming the value if unknown or if its library is missing
     * @throws IllegalStateException if already set
     */
    public Builder compressors(String... names) {
      Require.notYetSet(compressorNames(compressors), "compressors");
      Require.notNull(names, "compressors");
      List<MongoCompressor> list = new ArrayList<>();
      for (String name : names) {
        list.add(compressor(Require.notNull(name, "compressors")));
      }
      this.compressors = List.copyOf(list);
      return this;
    }

    /**
     * The name the server logs and reports for this client's connections.
     *
     * @param name not blank
     * @return this builder
     * @throws IllegalArgumentException if blank
     * @throws IllegalStateException if already set
     */
    public Builder applicationName(String name) {
      Require.notYetSet(applicationName, "applicationName");
      Require.notNull(name, "applicationName");
      if (name.isBlank()) {
        throw new IllegalArgumentException(
            "applicationName must not be blank but was '" + name + "'");
      }
      this.applicationName = name;
      return this;
    }

    /**
     * Publishes command and connection pool metrics to this registry through Micrometer's MongoDB
     * binders ({@code mongodb.driver.commands}, {@code mongodb.driver.pool.size}, {@code
     * mongodb.driver.pool.checkedout}, {@code mongodb.driver.pool.waitqueuesize}).
     *
     * @param registry the registry
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder meterRegistry(MeterRegistry registry) {
      Require.notYetSet(meterRegistry, "meterRegistry");
      this.meterRegistry = Require.notNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Checks the settings together and builds the driver's settings.
     *
     * @return immutable settings, ready for {@code MongoClients.create(settings)}
     * @throws IllegalArgumentException if {@code minPoolSize > maxPoolSize}, if {@code
     *     maxStaleness} is under {@value #MIN_MAX_STALENESS_SECONDS} s or under the heartbeat
     *     frequency + 10 s, if tag sets or {@code maxStaleness} are combined with mode {@code
     *     primary}, or if read concern {@code linearizable} is combined with a non-primary read
     *     preference
     */
    public MongoClientSettings build() {
      ConnectionString cs = connectionString;
      PresetValues p = PresetValues.of(preset);
      int max = pick(maxPoolSize, cs.getMaxConnectionPoolSize(), p.maxPoolSize);
      int min = pick(minPoolSize, cs.getMinConnectionPoolSize(), p.minPoolSize);
      if (max <= 0) {
        throw new IllegalArgumentException("maxPoolSize must be > 0 but was " + max);
      }
      if (min > max) {
        throw new IllegalArgumentException(
            "minPoolSize must be <= maxPoolSize (" + max + ") but was " + min);
      }
      int connecting = pick(maxConnecting, cs.getMaxConnecting(), p.maxConnecting);
      Duration wait = pickMs(maxWaitTime, cs.getMaxWaitTime(), p.maxWaitTime);
      Duration idle = pickMs(maxConnectionIdleTime, cs.getMaxConnectionIdleTime(), p.maxIdle);
      Duration life = pickMs(maxConnectionLifeTime, cs.getMaxConnectionLifeTime(), p.maxLife);
      Duration selection =
          pickMs(serverSelectionTimeout, cs.getServerSelectionTimeout(), p.serverSelectionTimeout);
      Duration connect = pickMs(connectTimeout, cs.getConnectTimeout(), p.connectTimeout);
      Duration socket = pickMs(socketTimeout, cs.getSocketTimeout(), p.socketTimeout);
      Duration heartbeat =
          pickMs(heartbeatFrequency, cs.getHeartbeatFrequency(), Duration.ofSeconds(10));
      ReadPreference readPreference = readPreference(cs, p, heartbeat);
      ReadConcern rc =
          readConcern != null
              ? readConcern
              : cs.getReadConcern() != null ? cs.getReadConcern() : p.readConcern;
      if (rc.getLevel() == ReadConcernLevel.LINEARIZABLE
          && !readPreference.equals(ReadPreference.primary())) {
        throw new IllegalArgumentException(
            "readConcern linearizable needs readPreference primary but was "
                + readPreference.getName());
      }
      WriteConcern wc =
          writeConcern != null
              ? writeConcern
              : cs.getWriteConcern() != null ? cs.getWriteConcern() : p.writeConcern;
      if (!wc.isAcknowledged()) {
        throw new IllegalArgumentException(
            "writeConcern must be acknowledged but was " + wc.asDocument().toJson());
      }
      List<MongoCompressor> compressorList =
          compressors != null
              ? compressors
              : !cs.getCompressorList().isEmpty() ? cs.getCompressorList() : p.compressors;

      MongoClientSettings.Builder b =
          MongoClientSettings.builder()
              .applyConnectionString(cs)
              .retryReads(true)
              .retryWrites(true)
              .readPreference(readPreference)
              .readConcern(rc)
              .writeConcern(wc)
              .compressorList(compressorList)
              .applyToConnectionPoolSettings(
                  pool ->
                      pool.maxSize(max)
                          .minSize(min)
                          .maxConnecting(connecting)
                          .maxWaitTime(wait.toMillis(), TimeUnit.MILLISECONDS)
                          .maxConnectionIdleTime(idle.toMillis(), TimeUnit.MILLISECONDS)
                          .maxConnectionLifeTime(life.toMillis(), TimeUnit.MILLISECONDS))
              .applyToClusterSettings(
                  cluster ->
                      cluster.serverSelectionTimeout(selection.toMillis(), TimeUnit.MILLISECONDS))
              .applyToSocketSettings(
                  sock ->
                      sock.connectTimeout(connect.toMillis(), TimeUnit.MILLISECONDS)
                          .readTimeout(socket.toMillis(), TimeUnit.MILLISECONDS))
              .applyToServerSettings(
                  server -> server.heartbeatFrequency(heartbeat.toMillis(), TimeUnit.MILLISECONDS));
      String app = applicationName != null ? applicationName : cs.getApplicationName();
      if (app != null) {
        b.applicationName(app);
      }
      if (meterRegistry != null) {
        MicrometerListeners.install(b, meterRegistry);
      }
      return b.build();
    }

    /**
     * Builds the settings and creates a client from them; the caller owns (and closes) it.
     *
     * @return a new client
     * @throws IllegalArgumentException as {@link #build()}
     */
    public MongoClient buildClient() {
      return MongoClients.create(build());
    }

    private ReadPreference readPreference(ConnectionString cs, PresetValues p, Duration heartbeat) {
      ReadPreference fromUri = cs.getReadPreference();
      String mode;
      List<TagSet> tags;
      @Nullable Duration staleness;
      if (readMode != null) {
        mode = readMode;
        tags = tagSets != null ? tagSets : List.of();
        staleness = maxStaleness;
      } else if (fromUri != null) {
        mode = fromUri.getName();
        TaggableReadPreference taggable = fromUri instanceof TaggableReadPreference t ? t : null;
        tags = tagSets != null ? tagSets : taggable != null ? taggable.getTagSetList() : List.of();
        Long ms = taggable != null ? taggable.getMaxStaleness(TimeUnit.MILLISECONDS) : null;
        staleness = maxStaleness != null ? maxStaleness : ms != null ? Duration.ofMillis(ms) : null;
      } else {
        mode = p.readMode;
        tags = tagSets != null ? tagSets : List.of();
        staleness = maxStaleness != null ? maxStaleness : p.maxStaleness;
      }
      return ReadPreferences.build(mode, tags, staleness, heartbeat);
    }

    private static @Nullable List<String> compressorNames(@Nullable List<MongoCompressor> list) {
      return list == null ? null : list.stream().map(MongoCompressor::getName).toList();
    }

    private static MongoCompressor compressor(String name) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      return switch (n) {
        case "zlib" -> MongoCompressor.createZlibCompressor();
        case "snappy" -> {
          requireClass("org.xerial.snappy.Snappy", "snappy", "org.xerial.snappy:snappy-java");
          yield MongoCompressor.createSnappyCompressor();
        }
        case "zstd" -> {
          requireClass("com.github.luben.zstd.Zstd", "zstd", "com.github.luben:zstd-jni");
          yield MongoCompressor.createZstdCompressor();
        }
        default ->
            throw new IllegalArgumentException(
                "compressors must be among " + COMPRESSORS + " but was '" + name + "'");
      };
    }

    private static void requireClass(String className, String compressor, String artifact) {
      try {
        Class.forName(className, false, MongoClientPresets.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException(
            "compressors '"
                + compressor
                + "' needs "
                + artifact
                + " on the class path but it was not found",
            e);
      }
    }

    private static int pick(@Nullable Integer explicit, @Nullable Integer uri, int preset) {
      return explicit != null ? explicit : uri != null ? uri : preset;
    }

    private static Duration pickMs(
        @Nullable Duration explicit, @Nullable Integer uriMs, Duration preset) {
      return explicit != null ? explicit : uriMs != null ? Duration.ofMillis(uriMs) : preset;
    }
  }

  /** One preset's values; the README's table is written from this. */
  private static final class PresetValues {
    final int maxPoolSize;
    final int minPoolSize;
    final int maxConnecting = 2;
    final Duration maxWaitTime;
    final Duration maxIdle = Duration.ofMinutes(5);
    final Duration maxLife = Duration.ofMinutes(30);
    final Duration serverSelectionTimeout;
    final Duration connectTimeout;
    final Duration socketTimeout;
    final String readMode;
    final @Nullable Duration maxStaleness;
    final ReadConcern readConcern;
    final WriteConcern writeConcern;
    final List<MongoCompressor> compressors;

    private PresetValues(
        int maxPoolSize,
        int minPoolSize,
        Duration maxWaitTime,
        Duration serverSelectionTimeout,
        Duration connectTimeout,
        Duration socketTimeout,
        String readMode,
        @Nullable Duration maxStaleness,
        ReadConcern readConcern,
        WriteConcern writeConcern,
        List<MongoCompressor> compressors) {
      this.maxPoolSize = maxPoolSize;
      this.minPoolSize = minPoolSize;
      this.maxWaitTime = maxWaitTime;
      this.serverSelectionTimeout = serverSelectionTimeout;
      this.connectTimeout = connectTimeout;
      this.socketTimeout = socketTimeout;
      this.readMode = readMode;
      this.maxStaleness = maxStaleness;
      this.readConcern = readConcern;
      this.writeConcern = writeConcern;
      this.compressors = compressors;
    }

    static PresetValues of(MongoPreset preset) {
      Objects.requireNonNull(preset, "preset");
      return switch (preset) {
        case OLTP ->
            new PresetValues(
                50,
                5,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10),
                "primary",
                null,
                ReadConcern.MAJORITY,
                WriteConcern.MAJORITY.withWTimeout(5, TimeUnit.SECONDS),
                List.of());
        case ANALYTICS ->
            new PresetValues(
                10,
                0,
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                Duration.ofMinutes(5),
                "secondaryPreferred",
                Duration.ofSeconds(120),
                ReadConcern.LOCAL,
                WriteConcern.MAJORITY.withWTimeout(10, TimeUnit.SECONDS),
                List.of(MongoCompressor.createZlibCompressor()));
        case BATCH ->
            new PresetValues(
                20,
                0,
                Duration.ofSeconds(60),
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                Duration.ofMinutes(2),
                "primary",
                null,
                ReadConcern.LOCAL,
                WriteConcern.MAJORITY.withWTimeout(60, TimeUnit.SECONDS),
                List.of(MongoCompressor.createZlibCompressor()));
        default -> throw new IllegalArgumentException("preset must be known but was " + preset);
      };
    }
  }
}
