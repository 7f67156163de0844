package dev.larder.mongo;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ReadPreference;
import com.mongodb.TaggableReadPreference;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ClusterConnectionMode;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ClusterType;
import com.mongodb.connection.ServerSettings;
import dev.larder.core.TimeSource;
import dev.larder.core.internal.Require;
import dev.larder.mongo.internal.ReadPreferences;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes reads and writes on one database: reads with a configured read preference (secondaries,
 * nearest, tag sets, max staleness), writes on the primary, and read-your-writes through causally
 * consistent sessions carried between requests as a {@link ConsistencyToken}.
 *
 * <pre>{@code
 * MongoRouter router = MongoRouter.builder(client, "shop")
 *     .readPreference(ReadPreference.secondaryPreferred(120, TimeUnit.SECONDS))
 *     .build();
 * Written<InsertOneResult> w = router.write(ctx -> ctx.collection("orders").insertOne(order));
 * response.setHeader("X-Consistency", w.token().toHeader());
 * // a later request, maybe on another instance:
 * ConsistencyToken t = ConsistencyToken.fromHeader(request.getHeader("X-Consistency"));
 * Document o = router.read(t, ctx -> ctx.collection("orders").findById(id));
 * }</pre>
 *
 * <p>Where the deployment refuses client sessions the router follows its {@link CausalFallback}: by
 * default token-carrying reads go to the primary; with {@link CausalFallback#FAIL} it throws {@link
 * SessionsUnsupportedException}. A read preference no member can satisfy fails with {@link
 * UnsatisfiableReadPreferenceException}: at once where the client sees a standalone server and the
 * mode requires a secondary (or a direct connection to one member that does not match), otherwise
 * when the driver's server selection timeout runs out. Before the client's first contact with the
 * deployment the driver's own selection applies. Thread-safe; holds no resources of its own (the
 * caller owns the client).
 */
public final class MongoRouter {
  /** Default {@link Builder#tokenClockSkew(Duration)}: 60 s. */
  public static final Duration DEFAULT_TOKEN_CLOCK_SKEW = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(MongoRouter.class);
  private static final ClientSessionOptions CAUSAL =
      ClientSessionOptions.builder().causallyConsistent(true).build();

  private final MongoClient client;
  private final MongoDatabase database;
  private final ReadPreference readPreference;
  private final CausalFallback fallback;
  private final Duration tokenClockSkew;
  private final TimeSource time;
  private final AtomicBoolean fallbackLogged = new AtomicBoolean();

  private MongoRouter(Builder b) {
    this.client = b.client;
    MongoDatabase db = b.client.getDatabase(b.database);
    this.readPreference = b.readPreference != null ? b.readPreference : db.getReadPreference();
    this.database = db;
    this.fallback = b.fallback != null ? b.fallback : CausalFallback.PRIMARY;
    this.tokenClockSkew = b.tokenClockSkew != null ? b.tokenClockSkew : DEFAULT_TOKEN_CLOCK_SKEW;
    this.time = b.time != null ? b.time : TimeSource.system();
  }

  /**
   * Starts a builder.
   *
   * @param client the caller's client (not closed by the router)
   * @param database the database name
   * @return a new builder
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the database name is blank
   */
  public static Builder builder(MongoClient client, String database) {
    Require.notNull(client, "client");
    Require.notNull(database, "database");
    if (database.isBlank()) {
      throw new IllegalArgumentException("database must not be blank but was '" + database + "'");
    }
    return new Builder(client, database);
  }

  /**
   * The read preference routed reads use.
   *
   * @return the read preference
   */
  public ReadPreference readPreference() {
    return readPreference;
  }

  /**
   * Runs a read with the configured read preference, without a session.
   *
   * @param work the read
   * @param <T> the result type
   * @return what the work returned
   * @throws UnsatisfiableReadPreferenceException if no member can serve the read preference
   */
  public <T> T read(MongoWork<T> work) {
    Require.notNull(work, "work");
    checkSatisfiable(readPreference);
    return runRead(readPreference, null, work);
  }

  /**
   * Runs a read that sees the writes the token stands for: in a causally consistent session
   * advanced to the token's times, with the configured read preference (the serving member waits
   * until it has applied the write). A {@linkplain ConsistencyToken#primaryOnly() primary-only}
   * token, or a deployment without sessions under {@link CausalFallback#PRIMARY}, reads from the
   * primary.
   *
   * @param token from {@link Written#token()}, possibly through {@link ConsistencyToken#fromHeader}
   * @param work the read
   * @param <T> the result type
   * @return what the work returned
   *     <p>A token comes back from a client, so its times are checked first: one ahead of this
   *     router's clock by more than {@link Builder#tokenClockSkew(Duration)} was not handed out by
   *     this deployment and is refused before a session is started. (Cluster times are the
   *     primary's wall clock in seconds; gossiped into a deployment without authentication, a
   *     cluster time from the future would move the whole cluster's logical clock ahead, and an
   *     operation time from the future would make the primary write no-ops to reach it.)
   * @throws InvalidConsistencyTokenException if the token's times are ahead of the clock by more
   *     than the allowed skew
   * @throws SessionsUnsupportedException if sessions are refused and the fallback is {@link
   *     CausalFallback#FAIL}
   * @throws UnsatisfiableReadPreferenceException if no member can serve the read preference
   */
  public <T> T read(ConsistencyToken token, MongoWork<T> work) {
    Require.notNull(token, "token");
    Require.notNull(work, "work");
    if (token.isPrimaryOnly()) {
      return readPrimary(work);
    }
    refuseIfFromTheFuture(token);
    checkSatisfiable(readPreference);
    ClientSession session = startCausal("a read carrying a consistency token");
    if (session == null) {
      return readPrimary(work);
    }
    try (session) {
      token.clusterTime().ifPresent(session::advanceClusterTime);
      token.operationTime().ifPresent(session::advanceOperationTime);
      return runRead(readPreference, session, work);
    }
  }

  /**
   * Runs a read on the primary, without a session: the strongest read this router offers.
   *
   * @param work the read
   * @param <T> the result type
   * @return what the work returned
   */
  public <T> T readPrimary(MongoWork<T> work) {
    Require.notNull(work, "work");
    return work.run(new Context(database.withReadPreference(ReadPreference.primary()), null));
  }

  /**
   * Runs writes (and any reads among them) on the primary in a causally consistent session and
   * returns the token a later read passes to see them. The work is run once; retrying it is the
   * caller's decision (see {@link MongoFailureClassifier}).
   *
   * @param work the writes
   * @param <T> the result type
   * @return the work's result and the consistency token
   * @throws SessionsUnsupportedException if sessions are refused and the fallback is {@link
   *     CausalFallback#FAIL}
   */
  public <T extends @Nullable Object> Written<T> write(MongoWork<T> work) {
    Require.notNull(work, "work");
    MongoDatabase primary = database.withReadPreference(ReadPreference.primary());
    ClientSession session = startCausal("read-your-writes");
    if (session == null) {
      return new Written<>(work.run(new Context(primary, null)), ConsistencyToken.primaryOnly());
    }
    try (session) {
      T value = work.run(new Context(primary, session));
      return new Written<>(value, tokenOf(session));
    }
  }

  private void refuseIfFromTheFuture(ConsistencyToken token) {
    long latestAllowed = time.now().plus(tokenClockSkew).getEpochSecond();
    long tokenSeconds = token.latestSeconds();
    if (tokenSeconds > latestAllowed) {
      throw new InvalidConsistencyTokenException(
          "consistency token's cluster time "
              + tokenSeconds
              + " (epoch seconds) is ahead of this router's clock by more than the allowed skew of "
              + tokenClockSkew.toSeconds()
              + " s: it was not handed out by this deployment; refused");
    }
  }

  private static ConsistencyToken tokenOf(ClientSession session) {
    BsonTimestamp op = session.getOperationTime();
    BsonDocument ct = session.getClusterTime();
    // A standalone server reports no cluster time: it is its own primary, so primary reads see
    // the write.
    if (op == null || ct == null) {
      return ConsistencyToken.primaryOnly();
    }
    return ConsistencyToken.of(op, ct);
  }

  private <T> T runRead(
      ReadPreference preference, @Nullable ClientSession session, MongoWork<T> work) {
    try {
      return work.run(new Context(database.withReadPreference(preference), session));
    } catch (MongoTimeoutException e) {
      ClusterDescription d = client.getClusterDescription();
      if (!preference.equals(ReadPreference.primary()) && preference.choose(d).isEmpty()) {
        throw new UnsatisfiableReadPreferenceException(
            "no member matches read preference "
                + preference
                + " within the server selection timeout; the client sees "
                + Sessions.describe(d),
            e);
      }
      throw e;
    }
  }

  private void checkSatisfiable(ReadPreference preference) {
    if (preference.equals(ReadPreference.primary())) {
      return;
    }
    ClusterDescription d = client.getClusterDescription();
    if (d.getType() == ClusterType.STANDALONE) {
      // The driver sends any read preference to a standalone server and lets it answer; a read
      // that demands a secondary (or a tagged member) would silently read the only server there is.
      boolean tags =
          preference instanceof TaggableReadPreference t
              && t.getTagSetList().stream().anyMatch(s -> s.iterator().hasNext());
      String mode = preference.getName();
      if (mode.equals("secondary") || (mode.equals("nearest") && tags)) {
        throw new UnsatisfiableReadPreferenceException(
            "read preference "
                + preference
                + " cannot be satisfied by a standalone server ("
                + Sessions.describe(d)
                + "): it has no secondaries and no tags",
            null);
      }
    } else if (d.getConnectionMode() == ClusterConnectionMode.SINGLE
        && d.getType() == ClusterType.REPLICA_SET
        && preference.choose(d).isEmpty()) {
      // A direct connection to one member: the driver would read from it whatever it is.
      throw new UnsatisfiableReadPreferenceException(
          "read preference "
              + preference
              + " cannot be satisfied over a direct connection to "
              + Sessions.describe(d)
              + "; connect with replica set discovery to reach other members",
          null);
    }
  }

  private @Nullable ClientSession startCausal(String purpose) {
    ClientSession session = Sessions.tryStart(client, CAUSAL);
    if (session != null) {
      return session;
    }
    if (fallback == CausalFallback.FAIL) {
      throw Sessions.refused(client.getClusterDescription(), purpose, null);
    }
    if (fallbackLogged.compareAndSet(false, true)) {
      LOG.warn(
          "The deployment refused client sessions ({}): causal consistency is off for database"
              + " '{}', writes return primary-only tokens and token-carrying reads go to the primary",
          Sessions.describe(client.getClusterDescription()),
          database.getName());
    }
    return null;
  }

  private static final class Context implements MongoContext {
    private final MongoDatabase database;
    private final @Nullable ClientSession session;

    Context(MongoDatabase database, @Nullable ClientSession session) {
      this.database = database;
      this.session = session;
    }

    @Override
    public MongoDatabase database() {
      return database;
    }

    @Override
    public Optional<ClientSession> session() {
      return Optional.ofNullable(session);
    }

    @Override
    public RoutedCollection<Document> collection(String name) {
      return new SessionCollection<>(
          database.getCollection(Require.notNull(name, "name")), session);
    }

    @Override
    public <D> RoutedCollection<D> collection(String name, Class<D> documentClass) {
      return new SessionCollection<>(
          database.getCollection(
              Require.notNull(name, "name"), Require.notNull(documentClass, "documentClass")),
          session);
    }
  }

  /**
   * Builds a {@link MongoRouter}. Each setting may be given once: a repeated setting fails with
   * {@link IllegalStateException} naming the value set earlier; a bad value fails at once with
   * {@link IllegalArgumentException} naming the setting and the value.
   *
   * <p>Not thread-safe; the router it builds is.
   */
  public static final class Builder {
    private final MongoClient client;
    private final String database;
    private @Nullable ReadPreference readPreference;
    private @Nullable CausalFallback fallback;
    private @Nullable Duration tokenClockSkew;
    private @Nullable TimeSource time;

    private Builder(MongoClient client, String database) {
      this.client = client;
      this.database = database;
    }

    /**
     * The read preference for routed reads (default: the client's, e.g. from {@link
     * MongoClientPresets}).
     *
     * @param preference e.g. {@code ReadPreference.secondaryPreferred(120, SECONDS)}
     * @return this builder
     * @throws IllegalArgumentException if its max staleness is below 90 s or below the client's
     *     heartbeat frequency + 10 s
     * @throws IllegalStateException if already set
     */
    public Builder readPreference(ReadPreference preference) {
      Require.notYetSet(this.readPreference, "readPreference");
      Require.notNull(preference, "readPreference");
      ServerSettings server = client.getClusterDescription().getServerSettings();
      Duration heartbeat =
          server == null
              ? Duration.ofSeconds(10)
              : Duration.ofMillis(server.getHeartbeatFrequency(TimeUnit.MILLISECONDS));
      this.readPreference = ReadPreferences.check(preference, heartbeat);
      return this;
    }

    /**
     * What to do where the deployment refuses sessions (default {@link CausalFallback#PRIMARY}).
     *
     * @param fallback the fallback
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder causalFallback(CausalFallback fallback) {
      Require.notYetSet(this.fallback, "causalFallback");
      this.fallback = Require.notNull(fallback, "causalFallback");
      return this;
    }

    /**
     * How far a token's times may be ahead of this router's clock before a read carrying it is
     * refused ({@link InvalidConsistencyTokenException}); default 60 s ({@link
     * MongoRouter#DEFAULT_TOKEN_CLOCK_SKEW}). Cluster times follow the primary's wall clock, so
     * this must exceed the clock difference between the primary and the application servers.
     *
     * @param skew {@code > 0}
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder tokenClockSkew(Duration skew) {
      Require.notYetSet(this.tokenClockSkew, "tokenClockSkew");
      this.tokenClockSkew = Require.positive(skew, "tokenClockSkew");
      return this;
    }

    /**
     * The clock tokens are checked against (tests inject a manual one); default {@link
     * TimeSource#system()}.
     *
     * @param timeSource the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder timeSource(TimeSource timeSource) {
      Require.notYetSet(this.time, "timeSource");
      this.time = Require.notNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Builds the router.
     *
     * @return the router
     */
    public MongoRouter build() {
      return new MongoRouter(this);
    }
  }
}
