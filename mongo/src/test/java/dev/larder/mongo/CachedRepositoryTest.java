package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import dev.larder.cache.CacheCodec;
import dev.larder.cache.LarderCache;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class CachedRepositoryTest {

  @Test
  void bsonCodecKeepsEveryBsonTypeThroughTheRoundTrip() {
    // getDatabase/getCollection do not connect: the codec needs only the registry
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      MongoCollection<Document> c = client.getDatabase("d").getCollection("c");
      CacheCodec<Document> codec = CachedRepository.bsonCodec(c);
      Document doc =
          new Document("_id", new ObjectId())
              .append("small", 1L) // a long that JSON would turn into an int
              .append("int", 7)
              .append("at", new Date(1_700_000_000_123L))
              .append("price", new Decimal128(new BigDecimal("19.99")))
              .append("bytes", new Binary(new byte[] {1, 2, 3}))
              .append("nested", new Document("tags", List.of("a", "b")));
      Document back = codec.decode(codec.encode(doc));
      assertThat(back).isEqualTo(doc);
      assertThat(back.get("small")).isInstanceOf(Long.class);
      assertThat(back.get("int")).isInstanceOf(Integer.class);
    }
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingTheValueSetFirst() {
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      MongoCollection<Document> c = client.getDatabase("d").getCollection("c");
      Function<ObjectId, String> hex = ObjectId::toHexString;
      CachedRepository.Builder<ObjectId, Document> b =
          CachedRepository.builder(c, unusedCache(), (Document d) -> d.getObjectId("_id"))
              .keyOf(hex)
              .loadReadPreference(ReadPreference.primaryPreferred());

      assertThatThrownBy(() -> b.keyOf(ObjectId::toString))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("keyOf was already set to " + hex);
      assertThatThrownBy(() -> b.loadReadPreference(ReadPreference.primary()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("loadReadPreference was already set to " + ReadPreference.primaryPreferred());
      assertThat(b.build()).isNotNull();
    }
  }

  @Test
  void missingArgumentsAreRefusedNamingThem() {
    try (MongoClient client =
        MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")) {
      MongoCollection<Document> c = client.getDatabase("d").getCollection("c");
      CachedRepository.Builder<ObjectId, Document> b =
          CachedRepository.builder(c, unusedCache(), (Document d) -> d.getObjectId("_id"));
      assertThatThrownBy(() -> b.keyOf(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("keyOf must not be null");
      assertThatThrownBy(() -> b.loadReadPreference(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("loadReadPreference must not be null");
      // A refused call leaves the setting unset.
      assertThat(b.keyOf(ObjectId::toHexString).build()).isNotNull();
    }
  }

  /** A cache the builder only holds: building a repository touches neither Redis nor the cache. */
  @SuppressWarnings("unchecked")
  private static LarderCache<Document> unusedCache() {
    return (LarderCache<Document>)
        Proxy.newProxyInstance(
            LarderCache.class.getClassLoader(),
            new Class<?>[] {LarderCache.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
