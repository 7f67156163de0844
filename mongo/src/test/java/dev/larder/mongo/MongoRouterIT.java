package dev.larder.mongo;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.mongodb.ReadPreference;
import com.mongodb.Tag;
import com.mongodb.TagSet;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.InsertOneResult;
import com.mongodb.connection.ServerType;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoFeature;
import dev.larder.testkit.MongoServer;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs in every tier: mongo-java-server (no sessions) and a real mongod. */
@LarderTest
class MongoRouterIT {
  private MongoClient client;
  private String db;

  @BeforeEach
  void connect(MongoServer mongo) {
    client =
        MongoClientPresets.builder(MongoPreset.OLTP, mongo.connectionString())
            .serverSelectionTimeout(Duration.ofSeconds(3))
            .buildClient();
    db = mongo.uniqueDatabaseName("router");
  }

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void crudThroughTheFacade() {
    MongoRouter router =
        MongoRouter.builder(client, db).readPreference(ReadPreference.secondaryPreferred()).build();
    Written<InsertOneResult> w =
        router.write(
            ctx ->
                ctx.collection("orders").insertOne(new Document("_id", "o1").append("total", 10)));
    assertThat(w.value().wasAcknowledged()).isTrue();

    ConsistencyToken token = ConsistencyToken.fromHeader(w.token().toHeader());
    Document read = router.read(token, ctx -> ctx.collection("orders").findById("o1"));
    assertThat(read).isNotNull();
    assertThat(read.getInteger("total")).isEqualTo(10);

    router.write(
        ctx -> ctx.collection("orders").updateOne(eq("_id", "o1"), Updates.inc("total", 5)));
    Document updated = router.readPrimary(ctx -> ctx.collection("orders").findById("o1"));
    assertThat(updated.getInteger("total")).isEqualTo(15);

    router.write(
        ctx ->
            ctx.collection("orders")
                .insertMany(
                    List.of(
                        new Document("_id", "o2").append("total", 1),
                        new Document("_id", "o3").append("total", 2))));
    long count = router.read(ctx -> ctx.collection("orders").countDocuments(new Document()));
    assertThat(count).isEqualTo(3);
    List<String> ids =
        router.read(
            ctx ->
                ctx.collection("orders")
                    .find(new Document("total", new Document("$lt", 5)))
                    .sort(new Document("_id", 1))
                    .map(d -> d.getString("_id"))
                    .into(new java.util.ArrayList<>()));
    assertThat(ids).containsExactly("o2", "o3");

    Written<Long> deleted =
        router.write(ctx -> ctx.collection("orders").deleteMany(eq("total", 1)).getDeletedCount());
    assertThat(deleted.value()).isEqualTo(1);
    Document gone = router.read(deleted.token(), ctx -> ctx.collection("orders").findById("o2"));
    assertThat(gone).isNull();
  }

  /**
   * Defect 8 of issue 15 for MongoDB: a token's times come back from a client. On a real deployment
   * without authentication a cluster time from the future is gossiped into the cluster (the server
   * only caps it at a year of drift) and an operation time from the future makes the primary write
   * no-ops to reach it, so every later cluster time stays in the future; on a secured one the
   * server refuses a cluster time it did not sign. The router now refuses a token whose times are
   * ahead of its clock by more than the allowed skew, before any session starts. That check runs
   * here on every tier; what such a token would do to a real server rests on MongoDB's documented
   * behaviour, not on this test (the stand-in refuses sessions).
   */
  @Test
  void aTokenFromTheFutureIsRefusedBeforeAnySessionIsStarted() {
    MongoRouter router = MongoRouter.builder(client, db).build();
    long future = java.time.Instant.now().plus(Duration.ofDays(300)).getEpochSecond();
    ConsistencyToken forged =
        ConsistencyToken.of(
            new org.bson.BsonTimestamp((int) future, 1),
            new org.bson.BsonDocument("clusterTime", new org.bson.BsonTimestamp((int) future, 1)));
    ConsistencyToken fromHeader = ConsistencyToken.fromHeader(forged.toHeader());

    assertThatThrownBy(
            () -> router.read(fromHeader, ctx -> ctx.collection("orders").findById("o1")))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageContaining("ahead of this router's clock");
    // A token of a write made now passes (here a primary-only one on the stand-in).
    Written<InsertOneResult> w =
        router.write(
            ctx ->
                ctx.collection("orders").insertOne(new Document("_id", "now").append("total", 1)));
    Document read = router.read(w.token(), ctx -> ctx.collection("orders").findById("now"));
    assertThat(read).isNotNull();
  }

  @Test
  void whereSessionsAreRefusedWritesHandOutPrimaryOnlyTokens(MongoServer mongo) {
    assumeFalse(
        mongo.features().contains(MongoFeature.CAUSAL_CONSISTENCY),
        "needs a deployment that refuses sessions (the stand-in); "
            + mongo.flavour()
            + " supports them");
    MongoRouter router = MongoRouter.builder(client, db).build();
    Written<InsertOneResult> w =
        router.write(
            ctx -> {
              assertThat(ctx.session()).isEmpty();
              return ctx.collection("items").insertOne(new Document("_id", 1));
            });
    assertThat(w.token().isPrimaryOnly()).isTrue();
    assertThat(w.token().toHeader()).isEqualTo("m1.primary");
    Document found = router.read(w.token(), ctx -> ctx.collection("items").findById(1));
    assertThat(found).isNotNull();
  }

  @Test
  void whereSessionsAreRefusedTheFailFallbackSaysSoClearly(MongoServer mongo) {
    assumeFalse(
        mongo.features().contains(MongoFeature.CAUSAL_CONSISTENCY),
        "needs a deployment that refuses sessions (the stand-in); "
            + mongo.flavour()
            + " supports them");
    MongoRouter router =
        MongoRouter.builder(client, db).causalFallback(CausalFallback.FAIL).build();
    assertThatThrownBy(
            () -> router.write(ctx -> ctx.collection("items").insertOne(new Document("_id", 2))))
        .isInstanceOf(SessionsUnsupportedException.class)
        .hasMessageStartingWith(
            "the deployment refused client sessions, so read-your-writes is not available")
        .hasMessageContaining("sessions need a replica set or a sharded cluster");
    // nothing was written: the check comes before the work
    Document absent = router.readPrimary(ctx -> ctx.collection("items").findById(2));
    assertThat(absent).isNull();
  }

  @Test
  void transactionsWhereSessionsAreRefusedFailWithTheTypedException(MongoServer mongo) {
    assumeFalse(
        mongo.features().contains(MongoFeature.TRANSACTIONS),
        "needs a deployment without transactions (the stand-in); " + mongo.flavour() + " has them");
    MongoTransactions tx = MongoTransactions.builder(client).build();
    assertThatThrownBy(() -> tx.inTransaction(s -> "never"))
        .isInstanceOf(SessionsUnsupportedException.class)
        .hasMessageStartingWith(
            "the deployment refused client sessions, so transactions is not available");
  }

  @Test
  void aSecondaryOnlyReadPreferenceTheDeploymentCannotSatisfyFailsClearlyNotHangs(
      MongoServer mongo) {
    MongoRouter router =
        MongoRouter.builder(client, db).readPreference(ReadPreference.secondary()).build();
    // first contact, so the client knows what it is connected to
    router.readPrimary(ctx -> ctx.database().runCommand(new Document("ping", 1)));
    assumeFalse(hasSecondary(), "the deployment has a secondary the client can reach");
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () ->
            assertThatThrownBy(() -> router.read(ctx -> ctx.collection("items").findById(1)))
                .isInstanceOf(UnsatisfiableReadPreferenceException.class)
                .hasMessageContaining("read preference ReadPreference{name=secondary,")
                .hasMessageContaining(
                    mongo.connectionString().replaceAll("mongodb://([^/]+)/.*", "$1")));
  }

  @Test
  void aTagSetNoMemberHasFailsClearlyNotHangs(MongoServer mongo) {
    ReadPreference mars = ReadPreference.nearest(List.of(new TagSet(new Tag("dc", "mars"))));
    MongoRouter router = MongoRouter.builder(client, db).readPreference(mars).build();
    router.readPrimary(ctx -> ctx.database().runCommand(new Document("ping", 1)));
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () ->
            assertThatThrownBy(() -> router.read(ctx -> ctx.collection("items").findById(1)))
                .isInstanceOf(UnsatisfiableReadPreferenceException.class)
                .isInstanceOf(dev.larder.core.LarderException.class)
                .hasMessageContaining("read preference ReadPreference{name=nearest")
                .hasMessageContaining("value='mars'")
                .hasMessageContaining(
                    mongo.connectionString().replaceAll("mongodb://([^/]+)/.*", "$1")));
  }

  private boolean hasSecondary() {
    // ServerDescription.isSecondary() is also true for a standalone server (it may serve
    // secondary reads); only a replica set secondary counts here.
    return client.getClusterDescription().getServerDescriptions().stream()
        .anyMatch(s -> s.getType() == ServerType.REPLICA_SET_SECONDARY);
  }
}
