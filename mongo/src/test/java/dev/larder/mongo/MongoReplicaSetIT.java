package dev.larder.mongo;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.mongodb.MongoClientSettings;
import com.mongodb.ReadPreference;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import com.mongodb.connection.ServerDescription;
import com.mongodb.connection.ServerType;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoFeature;
import dev.larder.testkit.MongoServer;
import dev.larder.testkit.RequiresMongo;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * What needs a real replica set: causal sessions, secondaries, transactions. Skipped, with the
 * testkit's reason, on mongo-java-server (CI's MongoDB in both tiers); written for the docker
 * flavour's {@code mongo:7} single-node replica set, where the secondary test is skipped too (no
 * secondary exists there).
 */
@LarderTest
class MongoReplicaSetIT {

  private static MongoClient client(MongoServer mongo, CommandListener listener) {
    MongoClientSettings s =
        MongoClientPresets.builder(MongoPreset.OLTP, mongo.connectionString())
            .serverSelectionTimeout(Duration.ofSeconds(5))
            .build();
    return MongoClients.create(MongoClientSettings.builder(s).addCommandListener(listener).build());
  }

  @Test
  @RequiresMongo({MongoFeature.REPLICA_SET, MongoFeature.CAUSAL_CONSISTENCY})
  void aCausalReadAfterAWriteSeesItEvenFromAnotherRouter(MongoServer mongo) {
    String db = mongo.uniqueDatabaseName("causal");
    try (MongoClient writer = client(mongo, new CommandListener() {});
        MongoClient reader = client(mongo, new CommandListener() {})) {
      MongoRouter w = MongoRouter.builder(writer, db).build();
      Written<?> written =
          w.write(ctx -> ctx.collection("orders").insertOne(new Document("_id", "o1")));
      assertThat(written.token().isPrimaryOnly())
          .as("a replica set hands out real tokens")
          .isFalse();
      String header = written.token().toHeader();

      MongoRouter r =
          MongoRouter.builder(reader, db)
              .readPreference(ReadPreference.secondaryPreferred())
              .build();
      Document seen =
          r.read(
              ConsistencyToken.fromHeader(header), ctx -> ctx.collection("orders").findById("o1"));
      assertThat(seen).isNotNull();
    }
  }

  @Test
  @RequiresMongo(MongoFeature.REPLICA_SET)
  void secondaryPreferredReadsLandOnASecondary(MongoServer mongo) {
    List<ServerAddress> servedBy = new CopyOnWriteArrayList<>();
    CommandListener where =
        new CommandListener() {
          @Override
          public void commandStarted(CommandStartedEvent e) {
            if (e.getCommandName().equals("find")) {
              servedBy.add(e.getConnectionDescription().getServerAddress());
            }
          }
        };
    try (MongoClient client = client(mongo, where)) {
      String db = mongo.uniqueDatabaseName("secondary");
      MongoRouter router =
          MongoRouter.builder(client, db)
              .readPreference(ReadPreference.secondaryPreferred())
              .build();
      router.write(ctx -> ctx.collection("items").insertOne(new Document("_id", 1)));
      Set<ServerAddress> secondaries =
          client.getClusterDescription().getServerDescriptions().stream()
              .filter(s -> s.getType() == ServerType.REPLICA_SET_SECONDARY)
              .map(ServerDescription::getAddress)
              .collect(Collectors.toSet());
      assumeTrue(
          !secondaries.isEmpty(),
          "the replica set has no secondary the client can see ("
              + mongo.flavour()
              + " is a single-node replica set reached directly)");
      router.read(ctx -> ctx.collection("items").find(eq("_id", 1)).first());
      assertThat(servedBy).isNotEmpty();
      assertThat(secondaries).contains(servedBy.get(servedBy.size() - 1));
    }
  }

  @Test
  @RequiresMongo(MongoFeature.TRANSACTIONS)
  void aTransactionAbortedByARealWriteConflictIsRunAgain(MongoServer mongo) {
    try (MongoClient client = client(mongo, new CommandListener() {})) {
      MongoCollection<Document> accounts =
          client.getDatabase(mongo.uniqueDatabaseName("tx")).getCollection("accounts");
      accounts.insertOne(new Document("_id", "a").append("n", 0));
      AtomicInteger bodies = new AtomicInteger();
      MongoTransactions tx = MongoTransactions.builder(client).maxAttempts(3).build();

      String result =
          tx.inTransaction(
              session -> {
                accounts
                    .find(session, eq("_id", "a"))
                    .first(); // the transaction's snapshot starts here
                if (bodies.incrementAndGet() == 1) {
                  // committed outside the transaction after its snapshot: its own write must
                  // conflict
                  accounts.updateOne(eq("_id", "a"), Updates.inc("n", 100));
                }
                accounts.updateOne(session, eq("_id", "a"), Updates.inc("n", 1));
                return "done";
              });

      assertThat(result).isEqualTo("done");
      assertThat(bodies.get()).as("WriteConflict carries TransientTransactionError").isEqualTo(2);
      assertThat(accounts.find(eq("_id", "a")).first().getInteger("n")).isEqualTo(101);
    }
  }
}
