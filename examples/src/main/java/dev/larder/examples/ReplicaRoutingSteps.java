package dev.larder.examples;

import static dev.larder.examples.Catalog.STEP_TIMEOUT;

import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.Migrations;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.ReplicaStatus;
import dev.larder.jdbc.Written;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Handle;

/**
 * The three replica-routing steps ({@link ReplicaRoutingWiring}), one method each: migrations that
 * the standby replays before it serves reads, a lagging standby leaving rotation, and
 * read-your-writes with a consistency token that crosses a hop as a header. The lag is real: the
 * steps pause WAL replay on the standby ({@link Servers.Faults#pauseReplay()}).
 *
 * <p>Every read says which server answered it ({@code pg_is_in_recovery()} is true only on the
 * standby), so the evidence is the database's word, not the router's.
 */
final class ReplicaRoutingSteps {
  private static final long LAG_PRODUCT = 7;
  private static final long TOKEN_PRODUCT = 11;

  private final Catalog catalog;
  private final Console console;

  ReplicaRoutingSteps(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  /**
   * Opens the router over the two pools and runs Flyway through it. Look at the order: Flyway runs
   * on the primary, the pools are recycled, and the standby is kept out of rotation until it has
   * replayed the migrations, so the first default read that lands on it already sees the seeded
   * rows. Holds if Flyway's own history says version 2, no replica was late, and a default read on
   * the standby counts every seeded product.
   */
  Evidence migrate() throws Exception {
    ReplicaRouter router =
        ReplicaRoutingWiring.router(catalog.primaryPool(), catalog.standbyPool());
    catalog.setRouter(router);
    catalog.closeAtEnd(router);
    Migrations.Result result = ReplicaRoutingWiring.migrate(router);
    catalog.setDb(ReplicaRoutingWiring.jdbi(router));
    console.detail(
        "Flyway: "
            + result.migrationsExecuted()
            + " migration(s) run, schema version "
            + result.targetVersion()
            + ", late replicas "
            + result.lateReplicas()
            + ", pools recycled "
            + result.evictedPools());
    console.await(
        "standby back in rotation", STEP_TIMEOUT, () -> router.replica("standby").inRotation());
    long[] countAndStandby =
        catalog
            .db()
            .read(
                h ->
                    h.createQuery(
                            "SELECT count(*), CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END FROM product")
                        .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)})
                        .one());
    boolean onStandby = countAndStandby[1] == 1;
    console.detail(
        "a default read counts "
            + countAndStandby[0]
            + " products, served by the "
            + (onStandby ? "standby" : "primary"));
    // Cross-check in Flyway's own history: what the database says, not what the library reports.
    String version =
        catalog
            .db()
            .read(
                ReadIntent.strong(),
                h ->
                    h.createQuery(
                            "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank DESC LIMIT 1")
                        .mapTo(String.class)
                        .one());
    boolean held =
        "2".equals(version)
            && result.lateReplicas().isEmpty()
            && countAndStandby[0] >= Catalog.SEEDED_PRODUCTS
            && onStandby;
    return new Evidence(
        held,
        "schema v"
            + version
            + " ("
            + result.migrationsExecuted()
            + " run now); "
            + countAndStandby[0]
            + " products read on the standby");
  }

  /**
   * Pauses replay and writes on the primary, so the standby falls behind. Look at how long the
   * router takes to notice (its health check every 200 ms against {@code maxReplayDelay} 500 ms),
   * the state and detail it gives, and that default reads then land on the primary without the
   * caller doing anything; after replay resumes the standby comes back by itself. Holds if every
   * read while paused was served by the primary and the standby serves again after the resume.
   */
  Evidence replicaLag() throws Exception {
    ReplicaRouter router = catalog.router();
    Servers.Faults faults = catalog.servers().faults();
    long fallbacksBefore = router.primaryFallbacks();
    int onPrimary = 0;
    int reads = 5;
    ReplicaStatus status;
    faults.pauseReplay();
    try {
      console.detail("standby replay paused (pg_wal_replay_pause); writing on the primary");
      catalog.db().write(h -> Catalog.setPrice(h, LAG_PRODUCT, 777));
      Duration out =
          console.await(
              "router to take the standby out of rotation",
              STEP_TIMEOUT,
              () -> !router.replica("standby").inRotation());
      status = router.replica("standby");
      console.detail(
          "standby left rotation after "
              + Console.millis(out)
              + ": "
              + status.state()
              + " ("
              + status.detail()
              + ")");
      for (int i = 0; i < reads; i++) {
        if (!catalog.db().read(ReplicaRoutingSteps::inRecovery)) {
          onPrimary++;
        }
      }
      console.detail(
          reads
              + " default reads: "
              + onPrimary
              + " served by the primary (pg_is_in_recovery() = false)");
    } finally {
      faults.resumeReplay();
    }
    Duration back =
        console.await(
            "standby back in rotation after resume",
            STEP_TIMEOUT,
            () -> router.replica("standby").inRotation());
    boolean standbyAgain = catalog.db().read(ReplicaRoutingSteps::inRecovery);
    console.detail(
        "replay resumed: standby back in rotation after "
            + Console.millis(back)
            + ", next read served by the "
            + (standbyAgain ? "standby" : "primary"));
    long fallbacks = router.primaryFallbacks() - fallbacksBefore;
    boolean held =
        onPrimary == reads && status.state() != ReplicaStatus.State.HEALTHY && standbyAgain;
    return new Evidence(
        held,
        "replay paused -> standby "
            + status.state()
            + ", "
            + onPrimary
            + "/"
            + reads
            + " reads on primary ("
            + fallbacks
            + " fallbacks); resumed -> standby again");
  }

  /**
   * Writes a new price while replay is paused and sends the write's consistency token through its
   * header form ({@code toHeader()}, then {@code ConsistencyToken.parse}), as a later request in
   * another service would receive it. Look at the two reads carrying the token: while the standby
   * still has the old price the read goes to the primary; once the standby has replayed the write
   * ({@code awaitReplayed}) the same token's read is served by the standby. Holds if the standby
   * lagged, both token reads saw the new price, and the second came from the standby.
   */
  Evidence readYourWrites() throws Exception {
    ReplicaRouter router = catalog.router();
    Servers.Faults faults = catalog.servers().faults();
    long newPrice = 1000L + ThreadLocalRandom.current().nextInt(9000);
    String header;
    long standbyPrice;
    PriceAndServer during;
    faults.pauseReplay();
    try {
      Written<Product> w = catalog.db().write(h -> Catalog.setPrice(h, TOKEN_PRODUCT, newPrice));
      header = w.token().toHeader();
      console.detail(
          "wrote price "
              + newPrice
              + " for product "
              + TOKEN_PRODUCT
              + "; token header "
              + shortened(header));
      standbyPrice = priceOnStandby(TOKEN_PRODUCT);
      // The token crosses a hop (an HTTP header) and comes back as a new object.
      ConsistencyToken token = ConsistencyToken.parse(header);
      during =
          catalog
              .db()
              .read(ReadIntent.readYourWrites(token), h -> priceAndServer(h, TOKEN_PRODUCT));
      console.detail(
          "replay paused: the standby still says "
              + standbyPrice
              + "; a read carrying the token got "
              + during.price()
              + " from the "
              + during.server());
    } finally {
      faults.resumeReplay();
    }
    ConsistencyToken token = ConsistencyToken.parse(header);
    List<String> late = router.awaitReplayed(token, STEP_TIMEOUT);
    console.await(
        "standby back in rotation", STEP_TIMEOUT, () -> router.replica("standby").inRotation());
    PriceAndServer after =
        catalog.db().read(ReadIntent.readYourWrites(token), h -> priceAndServer(h, TOKEN_PRODUCT));
    console.detail(
        "replay resumed: the same token's read got "
            + after.price()
            + " from the "
            + after.server());
    boolean held =
        standbyPrice != newPrice
            && during.price() == newPrice
            && after.price() == newPrice
            && late.isEmpty()
            && "standby".equals(after.server());
    return new Evidence(
        held,
        "standby lagging at "
            + standbyPrice
            + "; token read -> "
            + during.price()
            + " ("
            + during.server()
            + "), after replay -> "
            + after.price()
            + " ("
            + after.server()
            + ")");
  }

  private static boolean inRecovery(Handle h) {
    return h.createQuery("SELECT pg_is_in_recovery()").mapTo(Boolean.class).one();
  }

  private record PriceAndServer(long price, String server) {}

  private static PriceAndServer priceAndServer(Handle h, long id) {
    return h.createQuery("SELECT price_cents, pg_is_in_recovery() FROM product WHERE id = :id")
        .bind("id", id)
        .map(
            (rs, ctx) ->
                new PriceAndServer(rs.getLong(1), rs.getBoolean(2) ? "standby" : "primary"))
        .one();
  }

  /** Asks the standby directly, past the router: what a read routed there would see. */
  private long priceOnStandby(long id) throws SQLException {
    try (Connection c = catalog.standbyPool().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT price_cents FROM product WHERE id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Shortens a token header for printing. */
  private static String shortened(String header) {
    return header.length() <= 48 ? header : header.substring(0, 45) + "...";
  }
}
