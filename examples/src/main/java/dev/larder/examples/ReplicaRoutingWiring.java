package dev.larder.examples;

import dev.larder.jdbc.Migrations;
import dev.larder.jdbc.ReplicaRouter;
import dev.larder.jdbc.RoutingJdbi;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Read-replica routing and migrations (larder-jdbc): reads go to a standby that is healthy and
 * close enough, else to the primary; writes return a consistency token that a later read (maybe in
 * another service, through a header) can carry to see its own write.
 *
 * <p>Copy this class to put a primary and its replicas behind one JDBI facade. The bounds below are
 * short so the demo shows a lagging standby leaving rotation within a second; production values are
 * about {@code maxReplayDelay 2-5 s}, {@code healthCheckInterval 1 s}.
 */
public final class ReplicaRoutingWiring {
  /** A standby that has had WAL waiting for longer than this leaves rotation. */
  public static final Duration MAX_REPLAY_DELAY = Duration.ofMillis(500);

  /** How often the router measures each server (in the background: routing costs no query). */
  public static final Duration HEALTH_CHECK_INTERVAL = Duration.ofMillis(200);

  /** Where the Flyway migrations are. */
  public static final String MIGRATIONS = "classpath:db/catalog";

  private ReplicaRoutingWiring() {}

  /**
   * The router over the two pools.
   *
   * @param primary the primary's pool
   * @param standby the standby's pool
   * @return the router (close it before the pools)
   */
  public static ReplicaRouter router(DataSource primary, DataSource standby) {
    return ReplicaRouter.builder()
        .primary(primary)
        .replica("standby", standby)
        .maxReplayDelay(MAX_REPLAY_DELAY)
        .healthCheckInterval(HEALTH_CHECK_INTERVAL)
        .whenNoReplica(ReplicaRouter.NoReplicaPolicy.PRIMARY)
        .build();
  }

  /**
   * The JDBI facade: {@code read(...)} on a replica chosen for the read's intent, {@code
   * write(...)} on the primary returning a token.
   *
   * @param router the router
   * @return the facade
   */
  public static RoutingJdbi jdbi(ReplicaRouter router) {
    return RoutingJdbi.create(router);
  }

  /**
   * Runs Flyway on the primary, recycles pooled connections (no "cached plan must not change result
   * type" afterwards) and keeps the standby out of rotation until it has replayed the migration.
   *
   * @param router the router
   * @return what ran
   */
  public static Migrations.Result migrate(ReplicaRouter router) {
    return Migrations.builder(router)
        .locations(MIGRATIONS)
        .awaitReplicas(Duration.ofSeconds(30))
        .migrate();
  }
}
