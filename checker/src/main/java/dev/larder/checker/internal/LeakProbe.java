package dev.larder.checker.internal;

import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.PostgresServer;
import dev.larder.testkit.RedisServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what a closed workload must have given back (check 6): the JVM's threads whose names start
 * with one of {@link Workload#THREAD_PREFIXES}, Redis client connections ({@code CLIENT LIST}),
 * Larder's pub/sub channels ({@code PUBSUB CHANNELS larder:*}) and PostgreSQL sessions on the run's
 * database ({@code pg_stat_activity}, primary and standby).
 */
public final class LeakProbe {

  private LeakProbe() {}

  /**
   * What the probe saw at one moment.
   *
   * @param threads live threads of interest, by id, with their names
   * @param redisClients Redis connections other than the probe's
   * @param channels Larder channels with subscribers
   * @param primarySessions sessions on the run's database on the primary, or -1 if unknown
   * @param standbySessions the same on the standby, or -1 if unknown
   */
  public record Snapshot(
      Map<Long, String> threads,
      int redisClients,
      List<String> channels,
      int primarySessions,
      int standbySessions) {

    /**
     * What this snapshot has more of than the baseline.
     *
     * @param baseline the snapshot taken before the run
     * @return one line per difference; empty when nothing leaked
     */
    public List<String> leaksSince(Snapshot baseline) {
      List<String> out = new ArrayList<>();
      List<String> extraThreads = new ArrayList<>();
      threads.forEach(
          (id, name) -> {
            if (!baseline.threads.containsKey(id)) {
              extraThreads.add(name);
            }
          });
      if (!extraThreads.isEmpty()) {
        out.add(extraThreads.size() + " thread(s) still alive: " + extraThreads);
      }
      if (redisClients > baseline.redisClients) {
        out.add(
            "Redis client connections "
                + baseline.redisClients
                + " before, "
                + redisClients
                + " after");
      }
      List<String> extraChannels = new ArrayList<>(channels);
      extraChannels.removeAll(baseline.channels);
      if (!extraChannels.isEmpty()) {
        out.add("pub/sub channels still subscribed: " + extraChannels);
      }
      if (primarySessions > baseline.primarySessions && baseline.primarySessions >= 0) {
        out.add(
            "PostgreSQL sessions on the run's database (primary) "
                + baseline.primarySessions
                + " before, "
                + primarySessions
                + " after");
      }
      if (standbySessions > baseline.standbySessions && baseline.standbySessions >= 0) {
        out.add(
            "PostgreSQL sessions on the run's database (standby) "
                + baseline.standbySessions
                + " before, "
                + standbySessions
                + " after");
      }
      return out;
    }
  }

  /**
   * Takes a snapshot.
   *
   * @param redis the Redis server
   * @param postgres the PostgreSQL cluster
   * @param database the run's database
   * @return what is there now
   */
  public static Snapshot snapshot(RedisServer redis, PostgresCluster postgres, String database) {
    Map<Long, String> threads = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive()
          && Workload.THREAD_PREFIXES.stream().anyMatch(p -> t.getName().startsWith(p))) {
        threads.put(t.getId(), t.getName());
      }
    }
    return new Snapshot(
        threads,
        redis.clientCount(),
        redis.pubSubChannels("larder:*"),
        sessions(postgres.primary(), database),
        sessions(postgres.standby(), database));
  }

  private static int sessions(PostgresServer server, String database) {
    // Asked from the server's default database, so the asking session is not counted.
    try (Connection c =
            DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      return -1;
    }
  }
}
