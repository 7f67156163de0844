package dev.larder.testkit;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

@LarderTest
class MongoIT {

  private static MongoClient client(MongoServer mongo) {
    return MongoClients.create(
        MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString(mongo.connectionString()))
            .applyToClusterSettings(c -> c.serverSelectionTimeout(5, TimeUnit.SECONDS))
            .build());
  }

  @Test
  void insertsAndFindsADocument(MongoServer mongo) {
    try (MongoClient client = client(mongo)) {
      MongoCollection<Document> items =
          client.getDatabase(mongo.uniqueDatabaseName("roundTrip")).getCollection("items");
      items.insertOne(new Document("_id", 1).append("name", "larder"));
      Document found = items.find(eq("_id", 1)).first();
      assertThat(found).isNotNull();
      assertThat(found.getString("name")).isEqualTo("larder");
    }
    assertThat(mongo.flavour()).isNotBlank();
  }

  @Test
  void stoppedMongoRefusesClientsAndServesTheSameDataAfterStart(MongoServer mongo) {
    String db = mongo.uniqueDatabaseName("stopStart");
    try (MongoClient client = client(mongo)) {
      client.getDatabase(db).getCollection("items").insertOne(new Document("_id", "kept"));
    }
    mongo.stop();
    try {
      assertThat(mongo.isRunning()).isFalse();
      try (MongoClient client =
          MongoClients.create(
              MongoClientSettings.builder()
                  .applyConnectionString(new ConnectionString(mongo.connectionString()))
                  .applyToClusterSettings(c -> c.serverSelectionTimeout(500, TimeUnit.MILLISECONDS))
                  .build())) {
        assertThatThrownBy(() -> client.getDatabase(db).getCollection("items").countDocuments())
            .isInstanceOf(MongoTimeoutException.class);
      }
    } finally {
      mongo.start();
    }
    assertThat(mongo.isRunning()).isTrue();
    try (MongoClient client = client(mongo)) {
      assertThat(client.getDatabase(db).getCollection("items").countDocuments()).isEqualTo(1);
    }
  }

  @Test
  void theInProcessStandInRefusesToPauseAndSaysWhy(MongoServer mongo) {
    assumeFalse(
        mongo.features().contains(MongoFeature.REPLICA_SET), "only the stand-in cannot be frozen");
    assertThatThrownBy(mongo::pause)
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("cannot be frozen");
    assertThat(mongo.isRunning()).isTrue();
  }

  @Test
  void databaseNamesAreUnique(MongoServer mongo) {
    assertThat(mongo.uniqueDatabaseName("x")).isNotEqualTo(mongo.uniqueDatabaseName("x"));
  }

  @Test
  @RequiresMongo(MongoFeature.TRANSACTIONS)
  void commitsBothWritesOfATransaction(MongoServer mongo) {
    try (MongoClient client = client(mongo);
        ClientSession session = client.startSession()) {
      MongoCollection<Document> accounts =
          client.getDatabase(mongo.uniqueDatabaseName("tx")).getCollection("accounts");
      accounts.insertOne(new Document("_id", "seed"));
      session.withTransaction(
          () -> {
            accounts.insertOne(session, new Document("_id", "a"));
            accounts.insertOne(session, new Document("_id", "b"));
            return null;
          });
      assertThat(accounts.countDocuments()).isEqualTo(3);
    }
  }
}
