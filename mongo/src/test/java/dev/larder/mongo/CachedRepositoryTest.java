package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import dev.larder.cache.CacheCodec;
import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
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
}
