package dev.larder.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.PostgresServer;
import java.time.Duration;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * One test class's database on the shared primary + standby, with a small primary pool and a small
 * replica pool (minimumIdle 0, so pool counts show what the code under test took).
 */
final class PgFixture implements AutoCloseable {
  static final String STANDBY = "standby";

  final PostgresCluster cluster = LarderServices.postgres();
  final String database;
  final HikariDataSource primaryPool;
  final HikariDataSource replicaPool;

  private PgFixture(String hint) {
    this.database = cluster.createDatabase(hint);
    this.primaryPool = pool(PoolPreset.OLTP, cluster.primary(), database, hint + "-primary");
    this.replicaPool = pool(PoolPreset.REPLICA, cluster.standby(), database, hint + "-replica");
  }

  static PgFixture create(String hint) {
    return new PgFixture(hint);
  }

  static HikariDataSource pool(
      PoolPreset preset, PostgresServer server, String database, String name) {
    return Pools.builder(preset, server.jdbcUrl(database))
        .credentials(server.username(), server.password())
        .poolName(name)
        .maximumPoolSize(4)
        .minimumIdle(0)
        .build();
  }

  /** A router over this fixture's pools; fast checks so tests wait little. */
  ReplicaRouter router(Consumer<ReplicaRouter.Builder> settings) {
    ReplicaRouter.Builder b =
        ReplicaRouter.builder().primary(primaryPool).replica(STANDBY, replicaPool);
    settings.accept(b);
    return b.build();
  }

  Jdbi primaryJdbi() {
    return Jdbi.create(primaryPool);
  }

  /** Commits something and waits for the standby to replay it, so its replay timestamp is fresh. */
  void touchAndCatchUp() {
    primaryJdbi().useHandle(h -> h.execute("CREATE TABLE IF NOT EXISTS heartbeat(at timestamptz)"));
    primaryJdbi().useHandle(h -> h.execute("INSERT INTO heartbeat VALUES (now())"));
    cluster.awaitStandbyCaughtUp(Duration.ofSeconds(30));
  }

  /** A row of the item table and whether it was read on the standby. */
  record Seen(String name, boolean onStandby) {}

  /** Creates {@code item(id, name)} with row 1 named {@code old}, and waits for the standby. */
  PgFixture withItemTable() {
    primaryJdbi()
        .useHandle(h -> h.execute("CREATE TABLE item(id int PRIMARY KEY, name text NOT NULL)"));
    resetItem();
    return this;
  }

  /** Names row 1 {@code old} again and waits until the standby has replayed it. */
  void resetItem() {
    primaryJdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO item VALUES (1, 'old') ON CONFLICT (id) DO UPDATE SET name = 'old'"));
    touchAndCatchUp();
  }

  /** Reads row 1 and where it was read. */
  static Seen item(org.jdbi.v3.core.Handle h) {
    String name = h.createQuery("SELECT name FROM item WHERE id = 1").mapTo(String.class).one();
    return new Seen(name, h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one());
  }

  /** Puts the cluster back the way other test classes expect it. */
  void restore() {
    if (!cluster.primary().isRunning()) {
      cluster.primary().start();
    }
    if (!cluster.standby().isRunning()) {
      cluster.standby().start();
    }
    cluster.resumeReplay();
    cluster.restoreWalReceiver();
  }

  @Override
  public void close() {
    replicaPool.close();
    primaryPool.close();
  }

  static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
