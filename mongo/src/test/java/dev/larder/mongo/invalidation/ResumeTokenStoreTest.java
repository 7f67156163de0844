package dev.larder.mongo.invalidation;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

class ResumeTokenStoreTest {

  @Test
  void inMemoryStoreKeepsACopyPerConsumerAndForgets() {
    ResumeTokenStore store = ResumeTokenStore.inMemory();
    BsonDocument token = BsonDocument.parse("{_data: 'A1'}");
    store.save("a", token);
    token.put("_data", new org.bson.BsonString("mutated"));
    assertThat(store.load("a")).contains(BsonDocument.parse("{_data: 'A1'}"));
    assertThat(store.load("b")).isEmpty();
    store.clear("a");
    assertThat(store.load("a")).isEmpty();
  }
}
