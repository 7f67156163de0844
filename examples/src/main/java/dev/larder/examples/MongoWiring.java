package dev.larder.examples;

import com.mongodb.client.MongoClient;
import dev.larder.mongo.MongoClientPresets;
import dev.larder.mongo.MongoPreset;
import dev.larder.mongo.MongoRouter;

/**
 * MongoDB (larder-mongo): a client built from a workload preset (pool, fail-fast timeouts,
 * majority concerns chosen together) and a router that sends writes to the primary and returns a
 * portable consistency token, which a later read carries to see its own write (a causally
 * consistent session, or the primary where sessions are refused).
 *
 * <p>Copy this class to open MongoDB for request/response traffic.
 */
public final class MongoWiring {
  private MongoWiring() {}

  /**
   * A client with the OLTP preset.
   *
   * @param connectionString {@code mongodb://...}
   * @return the client (the caller closes it)
   */
  public static MongoClient client(String connectionString) {
    return MongoClientPresets.builder(MongoPreset.OLTP, connectionString)
        .applicationName("catalog")
        .buildClient();
  }

  /**
   * The router for the catalog database.
   *
   * @param client the client
   * @param database the database name
   * @return the router
   */
  public static MongoRouter router(MongoClient client, String database) {
    return MongoRouter.builder(client, database).build();
  }
}
