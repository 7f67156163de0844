package dev.larder.jdbc.invalidation;

import dev.larder.core.InvalidationSource;
import dev.larder.core.InvalidationSourceBuilder;
import dev.larder.core.ReconnectBackoff;
import dev.larder.core.internal.Require;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;

/**
 * Builds an {@link InvalidationSource} that reads a {@link PgOutbox} and delivers its rows as
 * invalidation events.
 *
 * <pre>{@code
 * PgOutbox outbox = PgOutbox.defaults();
 * outbox.install(dataSource);                                  // once, or in a migration
 * outbox.installCaptureTrigger(connection, "product", "id", "products");
 * InvalidationSource source = PgOutboxSource.builder()
 *     .jdbcUrl(url, user, password).consumerName("web-1")     // stable per process: keys the stored position
 *     .build();
 * source.subscribe(cache::onInvalidation);                     // starts the listener thread
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Only committed changes.</b> Outbox rows are written in the changing transaction, so a
 *       rolled-back change leaves no row; NOTIFY is delivered only on commit.
 *   <li><b>Nothing lost, connected, disconnected or restarted.</b> The source keeps a position
 *       {@code (txid, id)} in memory and (by default, see {@link Builder#persistPosition(boolean)})
 *       in the position table under the consumer name, and after every reconnect or restart replays
 *       every row after it. A consumer that starts without a stored position (its first start, or
 *       {@code persistPosition(false)}) cannot replay what was committed before, so it reports a
 *       gap before it is ready.
 *   <li><b>Acknowledged only when applied.</b> The position, in memory and stored, moves past an
 *       event only once every listener returned from it; a listener that throws has not applied it,
 *       and the source re-reads from its last acknowledged position after a backoff (see {@link
 *       dev.larder.core.InvalidationListener}). Transactions that commit out of id order are
 *       handled: the position only passes rows whose transaction id is below the oldest running
 *       transaction ({@code pg_snapshot_xmin(pg_current_snapshot())}), while rows above it are
 *       delivered at once and remembered, so a slow writer delays nothing and is never skipped.
 *   <li><b>At least once.</b> After a restart a few rows can be delivered again; invalidations are
 *       idempotent. Order is by transaction id (settled rows) and by row id (fresh rows), not
 *       strictly commit order; an invalidation carries no value, so order does not matter.
 *   <li><b>Gaps are reported.</b> When rows after the position were pruned before they were read
 *       (the consumer was away longer than the retention), or the position is ahead of the database
 *       (a restore), listeners get {@code onGap} and the source continues from the current end.
 * </ul>
 *
 * <p>The source opens one dedicated connection (LISTEN and reads) on a daemon thread started by the
 * first {@code subscribe}, reconnects with exponential backoff on failure, and prunes rows older
 * than the retention. {@code close()} stops the thread and releases the connection. Listeners are
 * called on the source's thread, one at a time.
 *
 * <p>This class only holds defaults and the builder: no state, thread-safe. Its {@link Builder} is
 * not thread-safe (configure and build it on one thread).
 */
public final class PgOutboxSource {
  /** Default safety-net polling interval: 1 s. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  /** Default rows per read: 500. */
  public static final int DEFAULT_BATCH_SIZE = 500;

  /** Largest accepted batch size. */
  public static final int MAX_BATCH_SIZE = 10_000;

  /** Default retention of outbox rows: 1 day. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(1);

  /** Default interval between prunes: 5 minutes. */
  public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofMinutes(5);

  /** Default first reconnect delay: 100 ms. */
  public static final Duration DEFAULT_RECONNECT_INITIAL = ReconnectBackoff.DEFAULT_INITIAL;

  /** Default longest reconnect delay: 10 s. */
  public static final Duration DEFAULT_RECONNECT_MAX = ReconnectBackoff.DEFAULT_MAX;

  /** Default consumer name, for sources that keep their position in memory only. */
  public static final String DEFAULT_CONSUMER = InvalidationSourceBuilder.DEFAULT_CONSUMER;

  private PgOutboxSource() {}

  /**
   * A new builder.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a {@link PgOutboxSource}. Each setting may be given once; cross-setting rules run
   * in {@link #build()}. The {@linkplain #consumerName(String) consumer name} names the source
   * ({@code pg-outbox:<name>}), its thread, its connection's {@code application_name} and its row
   * in the position table; the time source schedules prunes.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder extends InvalidationSourceBuilder<Builder> {
    private @Nullable DataSource dataSource;
    private @Nullable String jdbcUrl;
    private @Nullable String user;
    private @Nullable String password;
    private @Nullable PgOutbox outbox;
    private @Nullable Boolean persistPosition;
    private @Nullable Duration pollInterval;
    private @Nullable Integer batchSize;
    private @Nullable Duration retention;
    private @Nullable Boolean pruning;
    private @Nullable Duration pruneInterval;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * Where the dedicated connection comes from. Prefer an unpooled data source (e.g. PgJDBC's
     * {@code PGSimpleDataSource}): a pooled connection is held for the source's whole life.
     * Exclusive with {@link #jdbcUrl(String, String, String)}.
     *
     * @param dataSource a data source for the primary (LISTEN and xmin need the primary)
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder dataSource(DataSource dataSource) {
      Require.notYetSet(this.dataSource, "dataSource");
      this.dataSource = Require.notNull(dataSource, "dataSource");
      return this;
    }

    /**
     * Connect with PgJDBC directly (with TCP keep-alive on). Exclusive with {@link
     * #dataSource(DataSource)}.
     *
     * @param url a {@code jdbc:postgresql:} URL of the primary
     * @param user the user
     * @param password the password, never logged
     * @return this builder
     * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL
     * @throws IllegalStateException if already set
     */
    public Builder jdbcUrl(String url, String user, String password) {
      Require.notYetSet(this.jdbcUrl, "jdbcUrl");
      Require.notNull(url, "jdbcUrl");
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "jdbcUrl must start with jdbc:postgresql: but was '" + redact(url) + "'");
      }
      this.jdbcUrl = url;
      this.user = Require.notNull(user, "user");
      this.password = Require.notNull(password, "password");
      return this;
    }

    /**
     * The outbox to read; default {@link PgOutbox#defaults()}.
     *
     * @param outbox the outbox
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder outbox(PgOutbox outbox) {
      Require.notYetSet(this.outbox, "outbox");
      this.outbox = Require.notNull(outbox, "outbox");
      return this;
    }

    /**
     * Whether the position is also stored in the position table under the {@linkplain
     * #consumerName(String) consumer name}, so a restarted process resumes where it stopped;
     * default <b>true</b>, which needs an explicit consumer name, unique per process and stable
     * across its restarts.
     *
     * <p>With {@code false} the position lives in memory only: a restarted process cannot replay
     * what was committed while it was down, so every start reports a gap ({@code onGap}, which
     * makes a cache clear what it holds for this source) before the source is ready. Choose it only
     * for consumers whose caches do not outlive them (L1 only, no shared L2) or when a clear at
     * every start is acceptable.
     *
     * @param persist whether to persist
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder persistPosition(boolean persist) {
      Require.notYetSet(this.persistPosition, "persistPosition");
      this.persistPosition = persist;
      return this;
    }

    /**
     * How long to wait for a NOTIFY before reading anyway: the safety net that bounds delay when a
     * notification is missed, and how quickly rows blocked behind a long transaction are seen after
     * it ends; default 1 s.
     *
     * @param pollInterval {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder pollInterval(Duration pollInterval) {
      Require.notYetSet(this.pollInterval, "pollInterval");
      this.pollInterval = Require.positive(pollInterval, "pollInterval");
      return this;
    }

    /**
     * Rows per read; default {@value PgOutboxSource#DEFAULT_BATCH_SIZE}.
     *
     * @param batchSize in {@code [1, 10000]}
     * @return this builder
     * @throws IllegalArgumentException if out of range
     * @throws IllegalStateException if already set
     */
    public Builder batchSize(int batchSize) {
      Require.notYetSet(this.batchSize, "batchSize");
      Require.inRange(batchSize, 1, MAX_BATCH_SIZE, "batchSize");
      this.batchSize = batchSize;
      return this;
    }

    /**
     * How long outbox rows are kept; a consumer away longer than this gets {@code onGap}; default 1
     * day.
     *
     * @param retention {@code > 0}; keep it well above the longest transaction and the longest
     *     outage you want to survive without a gap
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder retention(Duration retention) {
      Require.notYetSet(this.retention, "retention");
      this.retention = Require.positive(retention, "retention");
      return this;
    }

    /**
     * Whether this source deletes expired rows itself (every {@link #pruneInterval(Duration)});
     * default true. Turn it off when a scheduled job calls {@link PgOutbox#prune}.
     *
     * @param pruning whether to prune
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder pruning(boolean pruning) {
      Require.notYetSet(this.pruning, "pruning");
      this.pruning = pruning;
      return this;
    }

    /**
     * How often this source prunes; default 5 minutes.
     *
     * @param pruneInterval {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder pruneInterval(Duration pruneInterval) {
      Require.notYetSet(this.pruneInterval, "pruneInterval");
      this.pruneInterval = Require.positive(pruneInterval, "pruneInterval");
      return this;
    }

    /**
     * Builds the source. Nothing connects until the first {@code subscribe}.
     *
     * @return the source
     * @throws IllegalStateException if neither or both of a data source and a JDBC URL were given,
     *     or the position is persisted (the default) but no consumer name was set, or pruning
     *     settings are given while pruning is off
     */
    public InvalidationSource build() {
      if (dataSource == null && jdbcUrl == null) {
        throw new IllegalStateException("dataSource or jdbcUrl must be set");
      }
      if (dataSource != null && jdbcUrl != null) {
        throw new IllegalStateException(
            "dataSource and jdbcUrl are exclusive but both were set (jdbcUrl "
                + redact(jdbcUrl)
                + ")");
      }
      boolean persist = persistPosition == null || persistPosition;
      if (persist && !hasConsumerName()) {
        throw new IllegalStateException(
            "consumerName must be set: the position is stored under it (persistPosition is on by"
                + " default), so it must be unique per process and stable across its restarts; or"
                + " call persistPosition(false) to keep the position in memory only (every start"
                + " then reports a gap, which clears the caches it feeds)");
      }
      boolean prune = pruning == null || pruning;
      if (!prune && (retention != null || pruneInterval != null)) {
        throw new IllegalStateException(
            "retention and pruneInterval apply only with pruning on, but pruning was false");
      }
      OutboxPoller.ConnectionFactory connections = connectionFactory();
      return new OutboxPoller(
          consumer(),
          outbox != null ? outbox : PgOutbox.defaults(),
          connections,
          persist,
          pollInterval != null ? pollInterval : DEFAULT_POLL_INTERVAL,
          batchSize != null ? batchSize : DEFAULT_BATCH_SIZE,
          prune ? (retention != null ? retention : DEFAULT_RETENTION) : null,
          pruneInterval != null ? pruneInterval : DEFAULT_PRUNE_INTERVAL,
          backoff(),
          time());
    }

    private OutboxPoller.ConnectionFactory connectionFactory() {
      DataSource ds = dataSource;
      if (ds != null) {
        return ds::getConnection;
      }
      String url = Require.notNull(jdbcUrl, "jdbcUrl");
      Properties props = new Properties();
      props.setProperty("user", Require.notNull(user, "user"));
      props.setProperty("password", Require.notNull(password, "password"));
      props.setProperty("tcpKeepAlive", "true");
      Driver driver = new Driver();
      return () -> {
        Connection c = driver.connect(url, props);
        if (c == null) {
          throw new SQLException("PgJDBC did not accept the URL " + redact(url), "08001");
        }
        return c;
      };
    }

    /** URLs can carry a password parameter; never show it. */
    private static String redact(String url) {
      return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
  }
}
