package dev.larder.benchmarks.jmh;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.benchmarks.Servers;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.RoutingJdbi;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One point read on the standby: through Larder's {@link RoutingJdbi} (replica choice, JDBI handle,
 * mapping) against a connection taken straight from the standby's HikariCP pool running the same
 * prepared query, and against plain JDBI on that pool (so the router's own share shows). And one
 * point read on the primary through a router with no replica (as the routing scenario's "0
 * standbys"), by default and with a primary read pool, against a connection taken straight from the
 * primary's pool.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoutedReadBenchmark {
  private static final String JDBC_SQL = "SELECT v FROM items WHERE id = ?";
  private static final String JDBI_SQL = "SELECT v FROM items WHERE id = :id";

  private final Servers servers = new Servers();
  private HikariDataSource standby;
  private HikariDataSource primary;
  private RoutingJdbi primaryOnly;
  private RoutingJdbi primaryOnlyReadPool;
  private RoutingJdbi routed;
  private Jdbi plain;
  private int id;

  /** A small table, replicated; pools on both servers; a router that sees the standby. */
  @Setup(Level.Trial)
  public void setUp() {
    PostgresCluster pg = LarderServices.postgres();
    String db = servers.database("bench_routed");
    Jdbi.create(pg.primary().dataSource(db))
        .useHandle(
            h -> {
              h.execute("CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL)");
              h.execute("INSERT INTO items SELECT g, md5(g::text) FROM generate_series(0, 999) g");
            });
    pg.awaitStandbyCaughtUp(Duration.ofSeconds(30));
    primary = servers.pool(pg.primary(), db, 2, "bench-routed-primary");
    standby = servers.pool(pg.standby(), db, 2, "bench-routed-standby");
    ReplicaRouter router =
        servers.closeLater(
            ReplicaRouter.builder().primary(primary).replica("standby", standby).build());
    router.checkNow();
    if (!router.replica("standby").inRotation()) {
      throw new IllegalStateException("standby not in rotation: " + router.replica("standby"));
    }
    routed = RoutingJdbi.create(router);
    plain = Jdbi.create(standby);
    primaryOnly =
        RoutingJdbi.create(servers.closeLater(ReplicaRouter.builder().primary(primary).build()));
    ReplicaRouter withReadPool =
        servers.closeLater(
            ReplicaRouter.builder()
                .primary(primary)
                .primaryReadPool(
                    servers.readOnlyPool(pg.primary(), db, 2, "bench-routed-primary-reads"))
                .build());
    if (!withReadPool.primaryReadPoolInUse()) {
      throw new IllegalStateException("the primary read pool is not in use");
    }
    primaryOnlyReadPool = RoutingJdbi.create(withReadPool);
  }

  /** Closes the router and pools. */
  @TearDown(Level.Trial)
  public void tearDown() {
    servers.close();
  }

  private int nextId() {
    id = (id + 1) % 1000;
    return id;
  }

  /**
   * Larder's routed read.
   *
   * @return the value
   */
  @Benchmark
  public String larderRoutedRead() {
    int key = nextId();
    return routed.read(h -> h.createQuery(JDBI_SQL).bind("id", key).mapTo(String.class).one());
  }

  /**
   * The anchor: a HikariCP connection to the standby, the same query by hand.
   *
   * @return the value
   * @throws SQLException never in a healthy run
   */
  @Benchmark
  public String hikariDirectRead() throws SQLException {
    return directRead(standby, nextId());
  }

  private static String directRead(HikariDataSource pool, int key) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(JDBC_SQL)) {
      ps.setInt(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * Larder's read on the primary, router without replicas, default: a {@code READ ONLY} transaction
   * on the primary's pool.
   *
   * @return the value
   */
  @Benchmark
  public String larderPrimaryRead() {
    int key = nextId();
    return primaryOnly.read(h -> h.createQuery(JDBI_SQL).bind("id", key).mapTo(String.class).one());
  }

  /**
   * Larder's read on the primary, router without replicas, with a primary read pool: auto-commit in
   * a read-only session.
   *
   * @return the value
   */
  @Benchmark
  public String larderPrimaryReadPoolRead() {
    int key = nextId();
    return primaryOnlyReadPool.read(
        h -> h.createQuery(JDBI_SQL).bind("id", key).mapTo(String.class).one());
  }

  /**
   * The anchor of the primary reads: a HikariCP connection to the primary, the same query by hand.
   *
   * @return the value
   * @throws SQLException never in a healthy run
   */
  @Benchmark
  public String hikariPrimaryRead() throws SQLException {
    return directRead(primary, nextId());
  }

  /**
   * A second anchor: plain JDBI on the standby's pool.
   *
   * @return the value
   */
  @Benchmark
  public String jdbiDirectRead() {
    int key = nextId();
    return plain.withHandle(h -> h.createQuery(JDBI_SQL).bind("id", key).mapTo(String.class).one());
  }
}
