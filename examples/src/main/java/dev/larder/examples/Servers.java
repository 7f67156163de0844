package dev.larder.examples;

import dev.larder.testkit.LarderServices;
import dev.larder.testkit.MongoFeature;
import dev.larder.testkit.MongoServer;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.RedisServer;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the catalog's servers are and how the scenario injects faults into them: embedded (or
 * Docker) servers from the testkit, or real servers given on the command line.
 *
 * @param primaryUrl the PostgreSQL primary's JDBC URL
 * @param standbyUrl the streaming standby's JDBC URL
 * @param user the PostgreSQL user
 * @param password the PostgreSQL password
 * @param redisUri {@code redis://host:port}
 * @param mongoUri a MongoDB connection string
 * @param mongoDatabase the MongoDB database for reviews
 * @param mongoStandIn whether MongoDB is the in-process stand-in (its update events need a lookup)
 * @param description what is serving, for the report
 * @param faults how faults are injected
 * @param stopOwned stops the servers this program started (nothing for external servers)
 */
public record Servers(
    String primaryUrl,
    String standbyUrl,
    String user,
    String password,
    String redisUri,
    String mongoUri,
    String mongoDatabase,
    boolean mongoStandIn,
    String description,
    Faults faults,
    Runnable stopOwned) {

  /** Validates the components. */
  public Servers {
    Objects.requireNonNull(primaryUrl, "primaryUrl");
    Objects.requireNonNull(standbyUrl, "standbyUrl");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(redisUri, "redisUri");
    Objects.requireNonNull(mongoUri, "mongoUri");
    Objects.requireNonNull(mongoDatabase, "mongoDatabase");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(faults, "faults");
    Objects.requireNonNull(stopOwned, "stopOwned");
  }

  /** Fault injection: what the scenario does to the servers to show each pattern's evidence. */
  public interface Faults {
    /**
     * Pauses WAL replay on the standby (it keeps receiving, stops applying).
     *
     * @throws Exception if the standby refuses
     */
    void pauseReplay() throws Exception;

    /**
     * Resumes WAL replay on the standby.
     *
     * @throws Exception if the standby refuses
     */
    void resumeReplay() throws Exception;

    /**
     * Whether {@link #stopDatabase()} really stops the primary.
     *
     * @return false for servers the program does not own
     */
    boolean canStopDatabase();

    /**
     * Stops the primary.
     *
     * @throws UnsupportedOperationException if {@link #canStopDatabase()} is false
     */
    void stopDatabase();

    /**
     * Starts the primary again and waits until it accepts connections.
     *
     * @throws UnsupportedOperationException if {@link #canStopDatabase()} is false
     */
    void startDatabase();
  }

  /**
   * Servers from the testkit: embedded binaries, or containers when the testkit's tier is docker
   * ({@code LARDER_TEST_SERVICES}). Each is started on first use, once per JVM, and stopped at
   * exit.
   *
   * @param progress told what is being started
   * @return the servers
   */
  public static Servers fromTestkit(Consumer<String> progress) {
    progress.accept(
        "PostgreSQL primary + streaming standby (tier "
            + LarderServices.tier().name().toLowerCase(java.util.Locale.ROOT)
            + ")");
    PostgresCluster pg = LarderServices.postgres();
    String db = pg.createDatabase("catalog");
    progress.accept("Redis");
    RedisServer redis = LarderServices.redis();
    progress.accept("MongoDB");
    MongoServer mongo = LarderServices.mongo();
    Faults faults =
        new Faults() {
          @Override
          public void pauseReplay() {
            pg.pauseReplay();
          }

          @Override
          public void resumeReplay() {
            pg.resumeReplay();
          }

          @Override
          public boolean canStopDatabase() {
            return true;
          }

          @Override
          public void stopDatabase() {
            pg.primary().stop();
          }

          @Override
          public void startDatabase() {
            pg.primary().start();
          }
        };
    return new Servers(
        pg.primary().jdbcUrl(db),
        pg.standby().jdbcUrl(db),
        pg.primary().username(),
        pg.primary().password(),
        redis.uri(),
        mongo.connectionString(),
        mongo.uniqueDatabaseName("catalog"),
        !mongo.features().contains(MongoFeature.TRANSACTIONS),
        "testkit tier "
            + LarderServices.tier().name().toLowerCase(java.util.Locale.ROOT)
            + "; MongoDB: "
            + mongo.flavour(),
        faults,
        () -> {
          // The testkit would stop them at JVM exit; under `mvn exec:java` the JVM is Maven's and
          // waits for the in-process MongoDB stand-in's non-daemon threads, so stop them now.
          mongo.stop();
          redis.stop();
          pg.standby().stop();
          pg.primary().stop();
        });
  }

  /**
   * Servers the program does not own. Replay is paused with {@code pg_wal_replay_pause()} (the user
   * needs the right to call it); the primary is never stopped: the outage step closes the loader's
   * own pool instead and says so.
   *
   * @param primaryUrl the primary's JDBC URL
   * @param standbyUrl the standby's JDBC URL
   * @param user the user
   * @param password the password
   * @param redisUri the Redis URI
   * @param mongoUri the MongoDB connection string
   * @return the servers
   */
  public static Servers external(
      String primaryUrl,
      String standbyUrl,
      String user,
      String password,
      String redisUri,
      String mongoUri) {
    Faults faults =
        new Faults() {
          @Override
          public void pauseReplay() throws SQLException {
            onStandby("SELECT pg_wal_replay_pause()");
          }

          @Override
          public void resumeReplay() throws SQLException {
            onStandby("SELECT pg_wal_replay_resume()");
          }

          private void onStandby(String sql) throws SQLException {
            try (Connection c = DriverManager.getConnection(standbyUrl, user, password);
                Statement s = c.createStatement()) {
              s.execute(sql);
            }
          }

          @Override
          public boolean canStopDatabase() {
            return false;
          }

          @Override
          public void stopDatabase() {
            throw new UnsupportedOperationException(
                "the program does not own the primary at " + redact(primaryUrl));
          }

          @Override
          public void startDatabase() {
            throw new UnsupportedOperationException(
                "the program does not own the primary at " + redact(primaryUrl));
          }
        };
    return new Servers(
        primaryUrl,
        standbyUrl,
        user,
        password,
        redisUri,
        mongoUri,
        "larder_examples",
        false,
        "external servers: "
            + redact(primaryUrl)
            + ", "
            + redact(standbyUrl)
            + ", "
            + redact(redisUri)
            + ", "
            + redact(mongoUri),
        faults,
        () -> {});
  }

  /** Drops user info and query (where passwords hide) from a URL for printing. */
  static String redact(String url) {
    try {
      String s = url.startsWith("jdbc:") ? url.substring(5) : url;
      URI u = URI.create(s);
      return (url.startsWith("jdbc:") ? "jdbc:" : "")
          + u.getScheme()
          + "://"
          + u.getHost()
          + (u.getPort() >= 0 ? ":" + u.getPort() : "")
          + (u.getPath() == null ? "" : u.getPath());
    } catch (IllegalArgumentException e) {
      return "<url>";
    }
  }
}
