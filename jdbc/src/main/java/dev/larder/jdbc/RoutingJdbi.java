package dev.larder.jdbc;

import com.zaxxer.hikari.HikariConfigMXBean;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.LarderException;
import dev.larder.core.internal.Require;
import dev.larder.jdbc.internal.CallGuards;
import dev.larder.jdbc.internal.ClusterIdentityUnavailableException;
import dev.larder.jdbc.internal.Engine;
import dev.larder.jdbc.internal.Failover;
import dev.larder.jdbc.internal.Route;
import dev.larder.jdbc.internal.Target;
import dev.larder.resilience.CallGuard;
import dev.larder.resilience.Resilience;
import dev.larder.resilience.RetryPolicy;
import dev.larder.resilience.TimeoutChain;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jspecify.annotations.Nullable;

/**
 * JDBI over a {@link ReplicaRouter}: {@code read(...)} runs on a replica chosen for the read's
 * intent, {@code write(...)} and {@code inTransaction(...)} on the primary, and every write returns
 * the position it reached so later reads can see it.
 *
 * <p>Reads are read-only everywhere: a standby refuses writes, and a read that lands on the primary
 * runs in a read-only session of the router's {@link
 * ReplicaRouter.Builder#primaryReadPool(DataSource) primary read pool} (one round trip) or, without
 * one, in a {@code READ ONLY} transaction on the primary's pool (a second round trip for the {@code
 * COMMIT}), so a write inside {@code read} fails with {@link ReadOnlyViolationException} wherever
 * it lands. A read whose replica fails at the database (a connection that cannot be had, or one
 * lost mid-read: what the router's classifier allows repeating for idempotent work) is run again on
 * another replica or the primary, and that replica leaves rotation until its next health check.
 * With a retry policy or a resilience stack ({@link Builder#retryPolicy}, {@link
 * Builder#resilience}) whole calls are repeated with backoff: reads after transient failures and
 * failures of unknown outcome, writes after transient failures only (a transaction the server
 * rolled back), unless declared {@link Idempotency#IDEMPOTENT} ({@link #write(Idempotency,
 * HandleCallback)}). Without one, writes run once.
 *
 * <p><b>Exceptions.</b> Every method throws what its callback throws, with the callback's own
 * checked type {@code X}; everything else is unchecked ({@link PrimaryUnavailableException}, {@link
 * NoEligibleReplicaException}, {@link ReadOnlyViolationException}, JDBI's exceptions): no checked
 * {@code SQLException} leaves this class.
 *
 * <p><b>Primary down.</b> A call that needs the primary and cannot get a connection to it fails
 * with {@link PrimaryUnavailableException} after the primary pool's {@code connectionTimeout}
 * (nothing was sent: transient, so a retry policy repeats writes too); reads that a replica can
 * serve keep working there. {@link Builder#build()} refuses a retry policy whose deadline is not
 * longer than the primary pool's {@code connectionTimeout}: such a policy could never retry a
 * primary that is down.
 *
 * <pre>{@code
 * RoutingJdbi db = RoutingJdbi.create(router);
 * Written<Integer> w = db.write(h -> h.execute("INSERT INTO note(body) VALUES (?)", "hi"));
 * long n = db.read(ReadIntent.readYourWrites(w.token()),
 *     h -> h.createQuery("SELECT count(*) FROM note").mapTo(Long.class).one());
 * }</pre>
 *
 * <p>Thread-safe: build one per router and share it.
 */
public final class RoutingJdbi {
  /** SQLSTATE read_only_sql_transaction: a write in a read-only transaction or on a standby. */
  private static final String READ_ONLY_SQL_TRANSACTION = "25006";

  private final ReplicaRouter router;
  private final Engine engine;
  private final FailureClassifier classifier;
  private final IdentityHashMap<Target, Jdbi> jdbis = new IdentityHashMap<>();
  private final Jdbi primaryJdbi;
  private final @Nullable Jdbi primaryReadJdbi;

  /** Every call runs under it: the resilience stack, the retry policy, or once. */
  private final CallGuard guard;

  private RoutingJdbi(
      ReplicaRouter router,
      List<Consumer<Jdbi>> customizers,
      @Nullable SqlLogger logger,
      @Nullable RetryPolicy retryPolicy,
      @Nullable Resilience resilience) {
    this.router = router;
    this.guard = CallGuards.of(retryPolicy, resilience);
    this.engine = router.engine();
    this.classifier = FailureClassifier.walkingCauses(router.classifier());
    List<Target> targets = new ArrayList<>(engine.replicas());
    targets.add(engine.primary());
    for (Target t : targets) {
      jdbis.put(t, jdbi(t.dataSource(), t.route(), customizers, logger));
    }
    this.primaryJdbi = jdbiFor(engine.primary());
    DataSource primaryReads = engine.configuredPrimaryReads();
    this.primaryReadJdbi =
        primaryReads == null
            ? null
            : jdbi(primaryReads, engine.primary().route(), customizers, logger);
  }

  private static Jdbi jdbi(
      DataSource ds, String route, List<Consumer<Jdbi>> customizers, @Nullable SqlLogger logger) {
    Jdbi jdbi = Jdbi.create(ds);
    jdbi.define(QueryMetrics.ROUTE_ATTRIBUTE, route);
    if (logger != null) {
      jdbi.setSqlLogger(logger);
    }
    customizers.forEach(c -> c.accept(jdbi));
    return jdbi;
  }

  /**
   * A facade with JDBI's defaults.
   *
   * @param router the router
   * @return the facade
   */
  public static RoutingJdbi create(ReplicaRouter router) {
    return builder(router).build();
  }

  /**
   * Starts a builder.
   *
   * @param router the router
   * @return a new builder
   */
  public static Builder builder(ReplicaRouter router) {
    return new Builder(Require.notNull(router, "router"));
  }

  /**
   * The primary's {@link Jdbi}, configured like the others, for work outside this facade.
   *
   * @return the primary's Jdbi
   */
  public Jdbi primary() {
    return primaryJdbi;
  }

  /**
   * Runs read-only work with the router's default intent.
   *
   * @param callback the work; it may run more than once if a replica fails under it
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the callback's result
   * @throws X what the callback throws
   * @throws ReadOnlyViolationException if the callback tries to write
   * @throws NoEligibleReplicaException if no replica qualifies and the router must not fall back
   */
  public <T, X extends Exception> T read(HandleCallback<T, X> callback) throws X {
    return read(router.defaultReadIntent(), callback);
  }

  /**
   * Runs read-only work in a session: it sees every write the session made.
   *
   * @param session the session
   * @param callback the work; it may run more than once if a replica fails under it
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the callback's result
   * @throws X what the callback throws
   * @throws ReadOnlyViolationException if the callback tries to write
   * @throws ForeignClusterTokenException if the session's token is of another cluster
   */
  public <T, X extends Exception> T read(ConsistencySession session, HandleCallback<T, X> callback)
      throws X {
    return read(session.readIntent(router.defaultReadIntent()), callback);
  }

  /**
   * Runs read-only work on a server chosen for {@code intent}.
   *
   * @param intent what the read needs
   * @param callback the work; it may run more than once if a replica fails under it
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the callback's result
   * @throws X what the callback throws
   * @throws ReadOnlyViolationException if the callback tries to write
   * @throws NoEligibleReplicaException if no replica qualifies and the router must not fall back
   * @throws ForeignClusterTokenException if a read-your-writes token is of another cluster
   * @throws PrimaryUnavailableException if the read had to run on the primary ({@code strong()}, or
   *     no replica qualified) and no connection to it could be had
   */
  public <T, X extends Exception> T read(ReadIntent intent, HandleCallback<T, X> callback)
      throws X {
    Require.notNull(intent, "intent");
    Require.notNull(callback, "callback");
    return guard.callChecked(true, () -> readOnce(intent, callback)); // reads are idempotent
  }

  private <T, X extends Exception> T readOnce(ReadIntent intent, HandleCallback<T, X> callback)
      throws X {
    try {
      return engine
          .failover()
          .read(intent, Failover.Shape.WHOLE_READ, route -> readOn(route, callback));
    } catch (ClusterIdentityUnavailableException e) {
      throw new ConnectionException(e.getCause());
    }
  }

  /** Every target got its Jdbi in the constructor. */
  private Jdbi jdbiFor(Target target) {
    return Objects.requireNonNull(jdbis.get(target), "no Jdbi for a target");
  }

  /**
   * Runs a read where the router sent it, read-only there: on a standby as it is, on the primary in
   * a read-only session of the primary read pool or in a {@code READ ONLY} transaction (a second
   * round trip for the {@code COMMIT}, which the read pool saves), as the router chose.
   */
  private <T, X extends Exception> T readOn(Route route, HandleCallback<T, X> callback) throws X {
    Jdbi jdbi =
        route.mode() == Route.Mode.PRIMARY_READ_SESSION
            ? Objects.requireNonNull(primaryReadJdbi, "primaryReadJdbi")
            : jdbiFor(route.target());
    try (Handle h = route.onPrimary() ? openPrimary(jdbi, route.pool()) : jdbi.open()) {
      if (route.mode() == Route.Mode.PRIMARY_READ_ONLY_TRANSACTION) {
        h.setReadOnly(true);
        return h.inTransaction(callback);
      }
      return callback.withHandle(h);
    } catch (PrimaryUnavailableException e) {
      throw e;
    } catch (Exception e) {
      ReadOnlyViolationException violation = readOnlyViolation(e, route.target());
      if (violation != null) {
        throw violation;
      }
      throw e;
    }
  }

  /**
   * Runs work on the primary (in auto-commit unless the callback begins a transaction) and returns
   * its result with the position it reached.
   *
   * @param callback the work; it runs once unless a retry policy repeats it after a transient
   *     failure
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after it committed
   * @throws X what the callback throws
   * @throws PrimaryUnavailableException if no connection to the primary could be had (after the
   *     retry policy, if any, gave up)
   * @throws LarderException if the work committed but the position could not be read
   */
  public <T, X extends Exception> Written<T> write(HandleCallback<T, X> callback) throws X {
    return write(Idempotency.NOT_IDEMPOTENT, callback);
  }

  /**
   * {@link #write(HandleCallback)}, declaring whether the work is safe to repeat: with a retry
   * policy, {@link Idempotency#IDEMPOTENT} work is also repeated after failures of unknown outcome
   * (a connection lost mid-statement), other work only after transient ones.
   *
   * @param idempotency whether running the work twice is harmless
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after it committed
   * @throws X what the callback throws
   * @throws PrimaryUnavailableException if no connection to the primary could be had (after the
   *     retry policy, if any, gave up)
   */
  public <T, X extends Exception> Written<T> write(
      Idempotency idempotency, HandleCallback<T, X> callback) throws X {
    Require.notNull(idempotency, "idempotency");
    Require.notNull(callback, "callback");
    return onPrimary(idempotency, callback);
  }

  /**
   * {@link #write(Idempotency, HandleCallback)} with a boolean.
   *
   * @param idempotent whether running the work twice is harmless
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after it committed
   * @throws X what the callback throws
   * @deprecated use {@link #write(Idempotency, HandleCallback)}: a named value says at the call
   *     site what {@code true} did not
   */
  @Deprecated
  public <T, X extends Exception> Written<T> write(
      boolean idempotent, HandleCallback<T, X> callback) throws X {
    return write(Idempotency.of(idempotent), callback);
  }

  /**
   * {@link #write(HandleCallback)}, recording the position in a session.
   *
   * @param session the session
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position
   * @throws X what the callback throws
   */
  public <T, X extends Exception> Written<T> write(
      ConsistencySession session, HandleCallback<T, X> callback) throws X {
    Written<T> w = write(callback);
    session.observe(w.token());
    return w;
  }

  /**
   * Runs work in one transaction on the primary and returns its result with the position after the
   * commit.
   *
   * @param callback the work; it runs once unless a retry policy repeats it after a transient
   *     failure
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after the commit
   * @throws X what the callback throws (the transaction is rolled back)
   * @throws PrimaryUnavailableException if no connection to the primary could be had (after the
   *     retry policy, if any, gave up)
   * @throws LarderException if the work committed but the position could not be read
   */
  public <T, X extends Exception> Written<T> inTransaction(HandleCallback<T, X> callback) throws X {
    return inTransaction(Idempotency.NOT_IDEMPOTENT, callback);
  }

  /**
   * {@link #inTransaction(HandleCallback)}, declaring whether the transaction is safe to repeat
   * (see {@link #write(Idempotency, HandleCallback)}). A transaction the server rolled back
   * (serialization failure, deadlock, server shutting down) is transient and repeated either way.
   *
   * @param idempotency whether running the transaction twice is harmless
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after the commit
   * @throws X what the callback throws
   * @throws PrimaryUnavailableException if no connection to the primary could be had (after the
   *     retry policy, if any, gave up)
   */
  public <T, X extends Exception> Written<T> inTransaction(
      Idempotency idempotency, HandleCallback<T, X> callback) throws X {
    Require.notNull(idempotency, "idempotency");
    Require.notNull(callback, "callback");
    return onPrimary(idempotency, h -> h.inTransaction(callback));
  }

  /**
   * {@link #inTransaction(Idempotency, HandleCallback)} with a boolean.
   *
   * @param idempotent whether running the transaction twice is harmless
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position after the commit
   * @throws X what the callback throws
   * @deprecated use {@link #inTransaction(Idempotency, HandleCallback)}
   */
  @Deprecated
  public <T, X extends Exception> Written<T> inTransaction(
      boolean idempotent, HandleCallback<T, X> callback) throws X {
    return inTransaction(Idempotency.of(idempotent), callback);
  }

  /**
   * {@link #inTransaction(HandleCallback)}, recording the position in a session.
   *
   * @param session the session
   * @param callback the work
   * @param <T> the result type
   * @param <X> the callback's exception type
   * @return the result and the position
   * @throws X what the callback throws
   */
  public <T, X extends Exception> Written<T> inTransaction(
      ConsistencySession session, HandleCallback<T, X> callback) throws X {
    Written<T> w = inTransaction(callback);
    session.observe(w.token());
    return w;
  }

  /**
   * A write's outcome inside the retried part: the token may be missing if it could not be read.
   */
  private record Outcome<T>(@Nullable T value, @Nullable ConsistencyToken token) {}

  private <T, X extends Exception> Written<T> onPrimary(
      Idempotency idempotency, HandleCallback<T, X> work) throws X {
    Outcome<T> outcome =
        guard.callChecked(
            idempotency.isIdempotent(),
            () -> {
              try (Handle h = openPrimary(primaryJdbi, engine.primary().dataSource())) {
                T value = work.withHandle(h);
                ConsistencyToken minted = null;
                if (!h.isInTransaction()) {
                  try {
                    minted = engine.mint(h.getConnection());
                  } catch (SQLException | RuntimeException e) {
                    minted =
                        null; // read below on a fresh connection: a committed write must not be
                    // retried
                  }
                }
                return new Outcome<>(value, minted);
              }
            });
    T value = outcome.value();
    ConsistencyToken token = outcome.token();
    if (token == null) {
      try {
        token = router.currentPosition();
      } catch (SQLException | RuntimeException e) {
        throw new LarderException(
            "the write committed on the primary but its WAL position could not be read", e);
      }
    }
    return new Written<>(value, token);
  }

  /**
   * Opens a handle on the primary; a connection that cannot be had becomes {@link
   * PrimaryUnavailableException} with the pool's failure as its cause.
   */
  private Handle openPrimary(Jdbi jdbi, @Nullable DataSource pool) {
    try {
      return jdbi.open();
    } catch (ConnectionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      Duration timeout = connectionTimeout(pool);
      String from =
          pool instanceof HikariConfigMXBean h ? " from pool '" + h.getPoolName() + "'" : "";
      String within =
          timeout != null ? " within its connectionTimeout " + timeout.toMillis() + " ms" : "";
      FailureClass c =
          classifier.classify(cause) == FailureClass.PERMANENT
              ? FailureClass.PERMANENT
              : FailureClass.TRANSIENT;
      throw new PrimaryUnavailableException(
          "primary unavailable: no connection"
              + from
              + within
              + ", nothing was sent ("
              + cause.getMessage()
              + ")",
          cause,
          c,
          timeout);
    }
  }

  private static @Nullable Duration connectionTimeout(@Nullable DataSource pool) {
    return pool instanceof HikariConfigMXBean h
        ? Duration.ofMillis(h.getConnectionTimeout())
        : null;
  }

  /** A write refused by a read-only server, as {@link ReadOnlyViolationException}; else null. */
  private static @Nullable ReadOnlyViolationException readOnlyViolation(
      Exception e, Target target) {
    for (Throwable t : FailureClassifier.causalChain(e)) {
      if (t instanceof SQLException s && READ_ONLY_SQL_TRANSACTION.equals(s.getSQLState())) {
        return new ReadOnlyViolationException(
            "a write was attempted inside read() on "
                + target.name()
                + ": reads are read-only; use write() or inTransaction()",
            e);
      }
    }
    return null;
  }

  /**
   * Builds a {@link RoutingJdbi}.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private final ReplicaRouter router;
    private final List<Consumer<Jdbi>> customizers = new ArrayList<>();
    private @Nullable SqlLogger sqlLogger;
    private @Nullable RetryPolicy retryPolicy;
    private @Nullable Resilience resilience;

    private Builder(ReplicaRouter router) {
      this.router = router;
    }

    /**
     * Configures each of the facade's {@link Jdbi} instances (one per server): install plugins,
     * register mappers. Applied in the order given.
     *
     * @param customizer the configuration
     * @return this builder
     */
    public Builder configure(Consumer<Jdbi> customizer) {
      customizers.add(Require.notNull(customizer, "customizer"));
      return this;
    }

    /**
     * Logs or measures every statement, for example with {@link QueryMetrics}; statements see the
     * attribute {@value QueryMetrics#ROUTE_ATTRIBUTE} ({@code primary} or {@code replica}).
     *
     * @param logger the logger
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder sqlLogger(SqlLogger logger) {
      Require.notYetSet(sqlLogger, "sqlLogger");
      this.sqlLogger = Require.notNull(logger, "sqlLogger");
      return this;
    }

    /**
     * Repeats failed calls by this policy: reads (idempotent) after transient failures and failures
     * of unknown outcome, writes after transient failures only unless declared idempotent. A read
     * already moves between servers without it; the policy adds backoff when every server failed
     * (the primary restarting).
     *
     * @param policy the policy from larder-resilience
     * @return this builder
     * @throws IllegalStateException if a policy or a resilience stack was already set
     */
    public Builder retryPolicy(RetryPolicy policy) {
      Require.notYetSet(retryPolicy != null ? retryPolicy : resilience, "retryPolicy");
      this.retryPolicy = Require.notNull(policy, "retryPolicy");
      return this;
    }

    /**
     * Like {@link #retryPolicy(RetryPolicy)}, with larder-resilience's full stack (circuit breaker,
     * retry, retry budget).
     *
     * @param resilience the stack
     * @return this builder
     * @throws IllegalStateException if a policy or a resilience stack was already set
     */
    public Builder resilience(Resilience resilience) {
      Require.notYetSet(retryPolicy != null ? retryPolicy : this.resilience, "resilience");
      this.resilience = Require.notNull(resilience, "resilience");
      return this;
    }

    /**
     * Builds the facade.
     *
     * @return the facade
     * @throws IllegalStateException if the retry policy (its own or the resilience stack's) can
     *     retry, has a deadline, and a HikariCP pool on the primary (the primary pool or the
     *     primary read pool) has a {@code connectionTimeout} at least as long as that deadline: a
     *     primary that is down would fail each call after the deadline, so it would never be
     *     retried. The message names both values ({@link TimeoutChain}).
     */
    public RoutingJdbi build() {
      RetryPolicy policy =
          retryPolicy != null ? retryPolicy : resilience != null ? resilience.retryPolicy() : null;
      if (policy != null && policy.maxAttempts() > 1 && policy.deadline().isPresent()) {
        Duration deadline = policy.deadline().get();
        Engine engine = router.engine();
        check("primary pool connectionTimeout", engine.primary().dataSource(), deadline);
        check("primary read pool connectionTimeout", engine.configuredPrimaryReads(), deadline);
      }
      return new RoutingJdbi(router, customizers, sqlLogger, retryPolicy, resilience);
    }

    private static void check(String link, @Nullable DataSource pool, Duration deadline) {
      Duration timeout = connectionTimeout(pool);
      if (timeout != null) {
        TimeoutChain.of(link, timeout).then("retry deadline", deadline).check();
      }
    }
  }
}
