package dev.larder.examples;

import com.mongodb.client.MongoClient;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.SortKey;
import dev.larder.mongo.MongoClientPresets;
import dev.larder.mongo.MongoPreset;
import dev.larder.mongo.MongoRouter;
import dev.larder.mongo.keyset.MongoCursorTypes;
import dev.larder.mongo.keyset.MongoKeyset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.bson.Document;

/**
 * MongoDB (larder-mongo, with larder-core's keyset vocabulary): a client built from a workload
 * preset (pool, fail-fast timeouts, majority concerns chosen together), a router that sends writes
 * to the primary and returns a portable consistency token a later read carries to see its own write
 * (a causally consistent session, or the primary where sessions are refused), and keyset pages over
 * a collection with the same cursors as the SQL side.
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

  /**
   * Reviews by rating, best first, {@code _id} as the tiebreaker. Index {@code {productId: 1,
   * rating: -1, _id: 1}} when paging one product's reviews.
   *
   * @param secret the cursor signing secret, at least 32 bytes
   * @param pageSize reviews per page when the client does not ask
   * @return the keyset query
   */
  public static MongoKeyset<Document> reviewsByRating(String secret, int pageSize) {
    CursorCodec codec =
        MongoCursorTypes.register(CursorCodec.builder())
            .signingKey("k1", secret.getBytes(StandardCharsets.UTF_8))
            .ttl(Duration.ofHours(1))
            .build();
    return MongoKeyset.builder(
            MongoKeyset.spec("reviews-by-rating")
                .sortBy(SortKey.desc("rating"))
                .defaultPageSize(pageSize)
                .build(),
            codec,
            d -> d)
        .allowedFields("rating", "productId")
        .build();
  }
}
