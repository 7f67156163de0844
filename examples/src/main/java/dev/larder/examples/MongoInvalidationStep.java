package dev.larder.examples;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.larder.cache.LarderCache;
import dev.larder.core.InvalidationSource;
import dev.larder.mongo.CachedRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * The cached MongoDB repository step ({@link MongoInvalidationWiring}): instance B caches product
 * 42's reviews (written by the previous step) through a {@code CachedRepository}, then one review
 * is edited twice: through instance A's repository, and by a plain driver call from "another
 * program" that knows nothing of the cache.
 *
 * <p>Look at the two paths an edit takes to B. A repository write invalidates the entry itself (in
 * Redis, and over the cache's channel in B). The plain driver call is seen only because A's cache
 * is bound to the collection's change stream: the change-stream source turns the update event into
 * an invalidation of the review's {@code _id}. Also {@code getAll}: the misses of many ids are one
 * {@code $in} query. Holds if B cached all 6 reviews; each edit must reach B within 10 s or the
 * step fails.
 */
final class MongoInvalidationStep {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Catalog catalog;
  private final Console console;

  MongoInvalidationStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    Servers servers = catalog.servers();
    MongoCollection<Document> coll =
        catalog
            .mongoClient()
            .getDatabase(servers.mongoDatabase())
            .getCollection(catalog.reviewsCollection());
    LarderCache<Document> cacheOnA =
        MongoInvalidationWiring.reviewCache(catalog.a().redisson(), coll);
    catalog.closeAtEnd(cacheOnA);
    LarderCache<Document> cacheOnB =
        MongoInvalidationWiring.reviewCache(catalog.b().redisson(), coll);
    catalog.closeAtEnd(cacheOnB);
    CachedRepository<ObjectId, Document> repoA =
        MongoInvalidationWiring.reviewRepository(coll, cacheOnA);
    CachedRepository<ObjectId, Document> repoB =
        MongoInvalidationWiring.reviewRepository(coll, cacheOnB);
    InvalidationSource source = MongoInvalidationWiring.reviewChanges(coll, servers.mongoStandIn());
    catalog.closeAtEnd(source);
    // bind() waits until the change stream is open (awaitReady), as for the outbox.
    catalog.closeAtEnd(MongoInvalidationWiring.bind(cacheOnA, source));

    List<ObjectId> ids = new ArrayList<>();
    coll.find(Filters.eq("productId", 42)).forEach(d -> ids.add(d.getObjectId("_id")));
    Map<ObjectId, Document> onB = repoB.getAll(ids);
    ObjectId id = ids.get(0);
    String before = Objects.requireNonNull(onB.get(id), "the first review").getString("text");
    console.detail(
        "B cached product 42's "
            + onB.size()
            + " reviews with one getAll (the repository asks for the misses in one $in query)");

    String viaRepo = before + " (edited through A's repository)";
    repoA.update(id, Updates.set("text", viaRepo));
    long t0 = System.nanoTime();
    console.await(
        "B to see the edit made through A's repository",
        TIMEOUT,
        () -> viaRepo.equals(repoB.get(id).map(d -> d.getString("text")).orElse(null)));
    long repoMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
    console.detail(
        "edit through A's repository: B serves it after "
            + repoMs
            + " ms (the write invalidated the entry)");

    String direct = before + " (edited in the shell)";
    // Another program edits the review: a plain driver call, no cache call anywhere.
    coll.updateOne(Filters.eq("_id", id), Updates.set("text", direct));
    long t1 = System.nanoTime();
    console.await(
        "B to see the edit made outside the service",
        TIMEOUT,
        () -> direct.equals(repoB.get(id).map(d -> d.getString("text")).orElse(null)));
    long directMs = Duration.ofNanos(System.nanoTime() - t1).toMillis();
    console.detail(
        "edit by a plain driver call: B serves it after "
            + directMs
            + " ms (change stream -> A's source -> Redis + channel -> B)");

    boolean held = onB.size() == ids.size() && ids.size() == 6;
    return new Evidence(
        held,
        "6 reviews cached on B; repository edit seen after "
            + repoMs
            + " ms, direct edit after "
            + directMs
            + " ms");
  }
}
