package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import dev.larder.cache.LarderCache;
import dev.larder.cache.LarderCacheBuilder;
import dev.larder.core.KeyNamespace;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoServer;
import dev.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Cache-aside over MongoDB (the stand-in in CI) and a real Redis: two "instances" of a service,
 * each with its own Redisson client, cache (own L1) and repository, sharing a namespace. Queries
 * are counted with a command listener on the one MongoDB client.
 */
@LarderTest
class CachedRepositoryIT {
  private final List<BsonDocument> finds = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final List<LarderCache<?>> caches = new ArrayList<>();
  private MongoClient client;
  private MongoCollection<Document> orders;
  private KeyNamespace namespace;
  private String collectionName;

  @BeforeEach
  void setUp(MongoServer mongo, RedisServer redis) {
    CommandListener countFinds =
        new CommandListener() {
          @Override
          public void commandStarted(CommandStartedEvent event) {
            if (event.getCommandName().equals("find")
                && event.getCommand().getString("find").getValue().equals(collectionName)) {
              finds.add(event.getCommand().clone());
            }
          }
        };
    MongoClientSettings settings =
        MongoClientPresets.builder(MongoPreset.OLTP, mongo.connectionString())
            .serverSelectionTimeout(Duration.ofSeconds(3))
            .build();
    client =
        MongoClients.create(
            MongoClientSettings.builder(settings).addCommandListener(countFinds).build());
    collectionName = "orders";
    orders = client.getDatabase(mongo.uniqueDatabaseName("cached")).getCollection(collectionName);
    for (int i = 1; i <= 6; i++) {
      orders.insertOne(new Document("_id", "o" + i).append("total", i * 10L));
    }
    namespace = KeyNamespace.of(redis.uniqueNamespaceName("orders"), 1);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (LarderCache<?> c : caches) {
      c.close();
    }
    for (AutoCloseable c : closeLast) {
      c.close();
    }
    client.close();
  }

  private CachedRepository<String, Document> instance(RedisServer redis) {
    return instance(redis, LarderCacheBuilder.DEFAULT_L1_TTL);
  }

  private CachedRepository<String, Document> instance(RedisServer redis, Duration l1Ttl) {
    RedissonClient redisson = redis.newRedissonClient();
    closeLast.add(redisson::shutdown);
    LarderCache<Document> cache =
        LarderCache.newBuilder(CachedRepository.bsonCodec(orders))
            .namespace(namespace)
            .redisson(redisson)
            .redisTimeout(Duration.ofSeconds(3))
            .loadTimeout(Duration.ofSeconds(10))
            .l1Ttl(l1Ttl)
            .build();
    caches.add(cache);
    return CachedRepository.<String, Document>builder(orders, cache, d -> d.getString("_id"))
        .build();
  }

  @Test
  void manyIdsAreLoadedWithOneInQueryForTheMissesOnly(RedisServer redis) {
    CachedRepository<String, Document> repo = instance(redis);

    assertThat(repo.get("o1"))
        .hasValueSatisfying(d -> assertThat(d.getLong("total")).isEqualTo(10L));
    assertThat(finds).hasSize(1);

    Map<String, Document> some = repo.getAll(List.of("o1", "o2", "o3", "o4", "o5", "o2", "nope"));
    assertThat(some).containsOnlyKeys("o1", "o2", "o3", "o4", "o5");
    assertThat(some.keySet()).containsExactly("o1", "o2", "o3", "o4", "o5");
    assertThat(some.get("o4").getLong("total")).isEqualTo(40L);
    assertThat(finds).as("one query for the six ids not cached yet").hasSize(2);
    BsonDocument filter = finds.get(1).getDocument("filter");
    List<String> asked =
        filter.getDocument("_id").getArray("$in").stream()
            .map(v -> v.asString().getValue())
            .toList();
    assertThat(asked).containsExactlyInAnyOrder("o2", "o3", "o4", "o5", "nope");

    // everything, the absent id included, is now cached: no query at all
    assertThat(repo.getAll(List.of("o5", "o4", "o3", "o2", "o1", "nope"))).hasSize(5);
    assertThat(finds).hasSize(2);

    // another instance (own L1) is served by Redis, not by MongoDB
    CachedRepository<String, Document> other = instance(redis);
    assertThat(other.getAll(List.of("o1", "o2", "o3"))).hasSize(3);
    assertThat(other.get("o4")).isPresent();
    assertThat(finds).hasSize(2);
  }

  @Test
  void anUpdateInvalidatesSoTheNextReadSeesItOnEveryInstance(RedisServer redis) {
    CachedRepository<String, Document> a = instance(redis);
    // larder-cache has no cross-JVM L1 invalidation bus yet (its README: another instance's L1 may
    // serve an invalidated value for up to l1Ttl), so b's L1 is short-lived here
    CachedRepository<String, Document> b = instance(redis, Duration.ofSeconds(1));
    assertThat(a.get("o2").orElseThrow().getLong("total")).isEqualTo(20L);
    assertThat(b.get("o2").orElseThrow().getLong("total")).isEqualTo(20L); // now in b's L1 too
    int before = finds.size();

    assertThat(a.update("o2", Updates.set("total", 99L)).getModifiedCount()).isEqualTo(1);

    assertThat(a.get("o2").orElseThrow().getLong("total")).isEqualTo(99L);
    assertThat(finds).as("the writer reloads once").hasSize(before + 1);
    // b's L1 copy expires; Redis no longer holds the old value, so b reloads the new one
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(b.get("o2").orElseThrow().getLong("total")).isEqualTo(99L));

    a.replace("o3", new Document("_id", "o3").append("total", 7L));
    assertThat(a.get("o3").orElseThrow().getLong("total")).isEqualTo(7L);

    a.get("o6");
    assertThat(a.delete("o6").getDeletedCount()).isEqualTo(1);
    assertThat(a.get("o6")).isEmpty();
  }

  @Test
  void aWriteMadeAroundTheRepositoryIsSeenAfterInvalidate(RedisServer redis) {
    CachedRepository<String, Document> repo = instance(redis);
    assertThat(repo.get("o1").orElseThrow().getLong("total")).isEqualTo(10L);
    orders.updateOne(new Document("_id", "o1"), Updates.set("total", 11L));
    assertThat(repo.get("o1").orElseThrow().getLong("total")).as("still cached").isEqualTo(10L);
    repo.invalidate("o1");
    assertThat(repo.get("o1").orElseThrow().getLong("total")).isEqualTo(11L);
    BsonValue id = finds.get(finds.size() - 1).getDocument("filter").get("_id");
    assertThat(id.asString().getValue()).isEqualTo("o1");
  }
}
