package dev.larder.mongo.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import dev.larder.core.InvalidationSource;
import java.time.Duration;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Builder validation and error classification; nothing here connects. */
class ChangeStreamSourceBuilderTest {
  // Creating a client connects lazily; no server is contacted by these tests.
  private static final MongoClient CLIENT =
      MongoClients.create("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1");
  private static final MongoDatabase DB = CLIENT.getDatabase("shop");
  private static final MongoCollection<Document> PRODUCTS = DB.getCollection("products");

  @AfterAll
  static void close() {
    CLIENT.close();
  }

  @Test
  void needsExactlyOneOfCollectionAndDatabase() {
    assertThatThrownBy(() -> ChangeStreamSource.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("collection or database must be set");
    assertThatThrownBy(
            () ->
                ChangeStreamSource.builder()
                    .collection(PRODUCTS, ChangeMapper.idAsKey("p"))
                    .database(DB)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "collection and database are exclusive but both were set (collection shop.products)");
  }

  @Test
  void databaseNeedsRoutesAndRoutesNeedADatabase() {
    assertThatThrownBy(() -> ChangeStreamSource.builder().database(DB).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("database shop needs at least one route but had none");
    assertThatThrownBy(
            () ->
                ChangeStreamSource.builder()
                    .collection(PRODUCTS, ChangeMapper.idAsKey("p"))
                    .route("orders", ChangeMapper.idAsKey("o"))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("routes apply only to a database stream");
    ChangeStreamSource.Builder b =
        ChangeStreamSource.builder().database(DB).route("orders", ChangeMapper.idAsKey("o"));
    assertThatThrownBy(() -> b.route("orders", ChangeMapper.idAsKey("o2")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("route for collection orders was already set to idAsKey(o)");
  }

  @Test
  void tokenStoreNeedsAnExplicitConsumerName() {
    assertThatThrownBy(
            () ->
                ChangeStreamSource.builder()
                    .collection(PRODUCTS, ChangeMapper.idAsKey("p"))
                    .tokenStore(ResumeTokenStore.inMemory())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "tokenStore needs an explicit consumerName, unique per process, but none was set");
  }

  @Test
  void rejectsBadValuesNamingFieldAndValue() {
    assertThatThrownBy(() -> ChangeStreamSource.builder().consumerName("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consumerName must match [A-Za-z0-9_.:\\-]{1,100} but was 'a b'");
    assertThatThrownBy(() -> ChangeStreamSource.builder().maxAwaitTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxAwaitTime must be > 0 but was PT0S");
    assertThatThrownBy(
            () ->
                ChangeStreamSource.builder()
                    .reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reconnectBackoff.max must be >= initial PT2S but was PT1S");
    assertThatThrownBy(() -> ChangeStreamSource.builder().consumerName("a").consumerName("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("consumerName");
  }

  @Test
  void aSecondCallOfAnySettingIsRefusedNamingTheValueSetFirst() {
    ResumeTokenStore store = ResumeTokenStore.inMemory();
    ChangeStreamSource.Builder b =
        ChangeStreamSource.builder()
            .collection(PRODUCTS, ChangeMapper.idAsKey("p"))
            .database(DB)
            .tokenStore(store)
            .fullDocumentLookup(true)
            .maxAwaitTime(Duration.ofMillis(200))
            .idleSaveInterval(Duration.ofSeconds(10))
            .consumerName("web-1");

    assertThatThrownBy(() -> b.collection(DB.getCollection("orders"), ChangeMapper.idAsKey("o")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("collection was already set to shop.products");
    assertThatThrownBy(() -> b.database(CLIENT.getDatabase("other")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("database was already set to shop");
    assertThatThrownBy(() -> b.tokenStore(ResumeTokenStore.inMemory()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("tokenStore was already set to " + store);
    assertThatThrownBy(() -> b.fullDocumentLookup(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("fullDocumentLookup was already set to true");
    assertThatThrownBy(() -> b.maxAwaitTime(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxAwaitTime was already set to PT0.2S");
    assertThatThrownBy(() -> b.idleSaveInterval(Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("idleSaveInterval was already set to PT10S");
    assertThatThrownBy(() -> b.consumerName("web-2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("consumerName was already set to web-1");
  }

  @Test
  void badIntervalsAndBlankRoutesAreRefusedNamingTheSettingAndTheValue() {
    assertThatThrownBy(() -> ChangeStreamSource.builder().idleSaveInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idleSaveInterval must be > 0 but was PT-1S");
    assertThatThrownBy(() -> ChangeStreamSource.builder().route(" ", ChangeMapper.idAsKey("o")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("collectionName must not be blank but was ' '");
    assertThatThrownBy(() -> ChangeStreamSource.builder().tokenStore(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tokenStore must not be null");
  }

  @Test
  void buildsWithoutConnectingAndNamesItselfByConsumer() {
    InvalidationSource s =
        ChangeStreamSource.builder()
            .collection(PRODUCTS, ChangeMapper.idAsKey("p"))
            .consumerName("web-1")
            .build();
    assertThat(s.name()).isEqualTo("mongo-change-stream:web-1");
    s.close();
    assertThatThrownBy(
            () ->
                s.subscribe(
                    new dev.larder.core.InvalidationListener() {
                      @Override
                      public void onInvalidation(dev.larder.core.InvalidationEvent event) {}

                      @Override
                      public void onGap(String reason) {}
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("source mongo-change-stream:web-1 is closed");
  }

  @Test
  void historyLostInvalidTokenAndNonResumableLabelAreLossesButNetworkErrorsAreNot() {
    ServerAddress server = new ServerAddress("127.0.0.1", 27017);
    MongoCommandException historyLost =
        new MongoCommandException(
            BsonDocument.parse(
                "{ok: 0, errmsg: 'Resume of change stream was not possible, as the resume"
                    + " point may no longer be in the oplog.', code: 286, codeName: 'ChangeStreamHistoryLost'}"),
            server);
    MongoCommandException invalidToken =
        new MongoCommandException(
            BsonDocument.parse(
                "{ok: 0, errmsg: 'bad token', code: 260, codeName: 'InvalidResumeToken'}"),
            server);
    MongoCommandException labelled =
        new MongoCommandException(
            BsonDocument.parse(
                "{ok: 0, errmsg: 'x', code: 1, codeName: 'InternalError',"
                    + " errorLabels: ['NonResumableChangeStreamError']}"),
            server);
    MongoCommandException interrupted =
        new MongoCommandException(
            BsonDocument.parse("{ok: 0, errmsg: 'x', code: 11601, codeName: 'Interrupted'}"),
            server);
    assertThat(ChangeStreamReader.isNotResumable(historyLost)).isTrue();
    assertThat(ChangeStreamReader.isNotResumable(invalidToken)).isTrue();
    assertThat(ChangeStreamReader.isNotResumable(labelled)).isTrue();
    assertThat(ChangeStreamReader.isNotResumable(interrupted)).isFalse();
    assertThat(ChangeStreamReader.isNotResumable(new MongoSocketReadException("reset", server)))
        .isFalse();
  }
}
