package dev.larder.examples;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.result.InsertManyResult;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.mongo.ConsistencyToken;
import dev.larder.mongo.MongoRouter;
import dev.larder.mongo.Written;
import dev.larder.mongo.keyset.MongoKeyset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bson.Document;

/**
 * The MongoDB step ({@link MongoWiring}): 30 reviews of five products are written through the
 * router, then read back by "another request" that only has the write's consistency token, as a
 * header, and finally one product's reviews are paged with keyset cursors.
 *
 * <p>Look at the token's trip: {@code written.token().toHeader()} is what a service would send
 * back, {@code ConsistencyToken.fromHeader} what the next request parses, and {@code
 * router.read(token, ...)} then sees the write: in a causally consistent session on a replica set,
 * on the primary where sessions are refused (the printed line says which). The keyset pages use the
 * same {@code PageRequest} and cursors as the SQL side. Holds if the token's reads see product 42's
 * 6 reviews and the pages return each of them once.
 *
 * <p>This step opens the MongoDB client the next step uses.
 */
final class MongoStep {
  private final Catalog catalog;
  private final Console console;

  MongoStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() {
    Servers servers = catalog.servers();
    MongoClient client = MongoWiring.client(servers.mongoUri());
    catalog.closeAtEnd(client);
    catalog.setMongoClient(client);
    MongoRouter router = MongoWiring.router(client, servers.mongoDatabase());
    String collection = catalog.reviewsCollection();

    List<Document> reviews = new ArrayList<>();
    int[] ratings = {5, 4, 4, 3, 5, 2};
    for (int i = 0; i < 30; i++) {
      reviews.add(
          new Document("productId", 40 + i % 5)
              .append("rating", ratings[i % ratings.length])
              .append("text", "review " + i));
    }
    Written<InsertManyResult> written =
        router.write(ctx -> ctx.collection(collection).insertMany(reviews));
    String header = written.token().toHeader();
    console.detail(
        "wrote "
            + written.value().getInsertedIds().size()
            + " reviews; token "
            + (written.token().isPrimaryOnly()
                ? "primary-only (no sessions here)"
                : "with operation time"));

    // Another request: it has only the header.
    ConsistencyToken token = ConsistencyToken.fromHeader(header);
    long forProduct42 =
        router.read(
            token, ctx -> ctx.collection(collection).countDocuments(Filters.eq("productId", 42)));
    Optional<Document> avg =
        router.read(
            token,
            ctx ->
                Optional.ofNullable(
                    ctx.collection(collection)
                        .aggregate(
                            List.of(
                                Aggregates.match(Filters.eq("productId", 42)),
                                Aggregates.group("$productId", Accumulators.avg("avg", "$rating"))))
                        .first()));
    double average = avg.map(d -> d.get("avg", Number.class).doubleValue()).orElse(Double.NaN);
    console.detail(
        "a read carrying the token (another request) sees "
            + forProduct42
            + " reviews of product 42, average rating "
            + String.format(Locale.ROOT, "%.1f", average)
            + "; MongoDB: "
            + servers.description().replaceAll(".*MongoDB: ", ""));

    MongoKeyset<Document> byRating =
        MongoWiring.reviewsByRating("examples-only-secret-rotate-me-0123456789", 4);
    List<Object> ids = new ArrayList<>();
    int pages = 0;
    PageRequest request = PageRequest.first();
    while (true) {
      PageRequest req = request;
      Page<Document> page =
          router.read(
              token,
              ctx ->
                  byRating.fetch(
                      ctx.collection(collection).collection(), req, Filters.eq("productId", 42)));
      pages++;
      page.items().forEach(d -> ids.add(d.get("_id")));
      if (!page.hasNext()) {
        break;
      }
      request = PageRequest.after(page.nextCursor().orElseThrow(), null);
    }
    long distinct = ids.stream().distinct().count();
    console.detail(
        "product 42's reviews by rating, 4 per page: "
            + pages
            + " pages, "
            + ids.size()
            + " reviews, "
            + distinct
            + " distinct");

    boolean held = forProduct42 == 6 && avg != null && ids.size() == 6 && distinct == 6;
    return new Evidence(
        held,
        "30 reviews written; token read sees product 42's "
            + forProduct42
            + " reviews, avg "
            + String.format(Locale.ROOT, "%.1f", average)
            + "; "
            + pages
            + " keyset pages, each review once");
  }
}
