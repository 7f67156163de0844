package dev.larder.jdbc.internal;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.core.ManualTimeSource;
import dev.larder.jdbc.ReplicaStatus;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Fakes of the router's own seams: pools that are only names, servers that answer what a test says
 * ({@link Probes}), settings with a manual clock. PostgreSQL itself is never imitated here: what it
 * answers is proven by the real-server ITs.
 */
final class Fakes {
  static final long SYSTEM = 7_000_000_000_000_000_001L;

  private Fakes() {}

  /** A pool that is only a name: the fakes answer for it, nothing connects through it. */
  static final class Pool implements DataSource {
    private final String name;

    Pool(String name) {
      this.name = name;
    }

    @Override
    public Connection getConnection() throws SQLException {
      throw new SQLFeatureNotSupportedException("fake pool " + name + " has no connections");
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setLogWriter(PrintWriter out) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setLoginTimeout(int seconds) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Target primary() {
    return new Target(Target.PRIMARY, new Pool("primary-pool"), true);
  }

  static Target replica(String name) {
    return new Target(name, new Pool(name + "-pool"), false);
  }

  /** A clock that stands still unless a test moves it. */
  static ManualTimeSource clock() {
    return ManualTimeSource.startingAt(Instant.parse("2026-12-01T00:00:00Z"));
  }

  /** SQLSTATE classes as a classifier would judge them: enough to tell the loop's cases apart. */
  static final FailureClassifier CLASSIFIER =
      failure -> {
        if (failure instanceof SQLException s && s.getSQLState() != null) {
          return switch (s.getSQLState()) {
            case "40001", "57P01" -> FailureClass.TRANSIENT;
            case "08006" -> FailureClass.UNKNOWN;
            default -> FailureClass.PERMANENT;
          };
        }
        return FailureClass.UNKNOWN;
      };

  /** Settings with the given knobs and defaults elsewhere. */
  static final class Settings {
    long maxLagBytes = 1024;
    Duration maxReplayDelay = Duration.ofSeconds(1);
    Duration interval = Duration.ofMillis(100);
    Duration timeout = Duration.ofSeconds(1);
    boolean leastInFlight;
    boolean failWhenNoReplica;
    Duration readYourWritesWait = Duration.ZERO;
    final ManualTimeSource time;

    Settings(ManualTimeSource time) {
      this.time = time;
    }

    RouterSettings build() {
      return new RouterSettings(
          maxLagBytes,
          maxReplayDelay,
          interval,
          timeout,
          leastInFlight,
          failWhenNoReplica,
          readYourWritesWait,
          time,
          JdbcMetrics.NOOP,
          CLASSIFIER);
    }
  }

  /** A primary out of recovery at {@code lsn}, timeline 1. */
  static Positions.PrimaryPosition primaryAt(long lsn) {
    return new Positions.PrimaryPosition(false, lsn, SYSTEM, 1);
  }

  /** A streaming standby of this cluster that replayed {@code replay}, {@code lag} bytes behind. */
  static Positions.ReplicaPosition standby(long replay, long lag) {
    return new Positions.ReplicaPosition(
        true, OptionalLong.of(replay), OptionalLong.of(replay), 0, lag, SYSTEM, "streaming");
  }

  /** Marks a replica healthy as of {@code nanos}, having replayed {@code replay}. */
  static void healthy(Target t, long replay, Duration replayDelay, long nanos) {
    t.update(
        new ReplicaStatus(
            t.name(),
            ReplicaStatus.State.HEALTHY,
            Lsn.format(replay),
            0,
            replayDelay,
            Instant.EPOCH,
            0,
            "healthy"),
        nanos);
  }

  /** Marks a replica with a state other than healthy. */
  static void unhealthy(Target t, ReplicaStatus.State state) {
    t.update(
        new ReplicaStatus(t.name(), state, null, -1, Duration.ZERO, Instant.EPOCH, 0, "test"), 0);
  }

  /**
   * Servers that answer what the test says: per pool, the next answer (or failure) of each kind. An
   * answer set once is repeated; {@link #calls} counts the questions.
   */
  static final class Probes implements ServerProbes {
    private final Map<DataSource, Function<OptionalLong, Object>> replicas = new HashMap<>();
    private final Map<DataSource, Object> primaries = new HashMap<>();
    private final Map<DataSource, Object> sessions = new HashMap<>();
    private final Map<DataSource, Deque<OptionalLong>> replays = new HashMap<>();
    final List<String> calls = new ArrayList<>();

    /** Run at each question a watch answers (a test moves its clock here). */
    Runnable onReplayQuestion = () -> {};

    /** The primary's answer: a position, or an SQLException to throw. */
    Probes primary(DataSource pool, Object answer) {
      primaries.put(pool, answer);
      return this;
    }

    /** A replica's answer: a position, or an SQLException to throw. */
    Probes replica(DataSource pool, Object answer) {
      replicas.put(pool, primaryLsn -> answer);
      return this;
    }

    /** A read pool session's answer: a ReadSession, or an SQLException to throw. */
    Probes session(DataSource pool, Object answer) {
      sessions.put(pool, answer);
      return this;
    }

    /** Replay positions a watch on the replica sees, one per question; the last one repeats. */
    Probes replays(DataSource pool, long... lsns) {
      Deque<OptionalLong> q = new ArrayDeque<>();
      for (long l : lsns) {
        q.add(OptionalLong.of(l));
      }
      replays.put(pool, q);
      return this;
    }

    @Override
    public Positions.PrimaryPosition primary(DataSource pool, long timeoutMillis)
        throws SQLException {
      calls.add("primary " + pool);
      return answer(primaries.get(pool), Positions.PrimaryPosition.class, pool);
    }

    @Override
    public Positions.ReplicaPosition replica(
        DataSource pool, OptionalLong primaryLsn, long timeoutMillis) throws SQLException {
      calls.add("replica " + pool);
      Function<OptionalLong, Object> f = replicas.get(pool);
      return answer(f == null ? null : f.apply(primaryLsn), Positions.ReplicaPosition.class, pool);
    }

    @Override
    public ReadSession readSession(DataSource pool, long timeoutMillis) throws SQLException {
      calls.add("session " + pool);
      return answer(sessions.get(pool), ReadSession.class, pool);
    }

    @Override
    public ReplayWatch watch(DataSource pool, long timeoutMillis) throws SQLException {
      calls.add("watch " + pool);
      Deque<OptionalLong> q = replays.get(pool);
      if (q == null) {
        throw new SQLException("no answer set for a watch on " + pool, "08001");
      }
      return new ReplayWatch() {
        @Override
        public OptionalLong replayLsn() {
          onReplayQuestion.run();
          return q.size() > 1 ? q.poll() : q.peek();
        }

        @Override
        public void close() {}
      };
    }

    private static <T> T answer(Object answer, Class<T> type, DataSource pool) throws SQLException {
      if (answer == null) {
        throw new SQLException("no answer set for " + pool, "08001");
      }
      if (answer instanceof SQLException e) {
        throw e;
      }
      if (answer instanceof RuntimeException e) {
        throw e;
      }
      return type.cast(answer);
    }
  }
}
