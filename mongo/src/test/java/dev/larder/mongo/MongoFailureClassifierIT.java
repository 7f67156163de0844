package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.connection.ServerConnectionState;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoServer;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The classifier on exceptions the driver really throws, against whichever MongoDB the testkit
 * gives (the stand-in in CI, a real mongod where the image can be had).
 */
@LarderTest
class MongoFailureClassifierIT {
  private static final FailureClassifier CLASSIFIER = MongoFailureClassifier.classifier();

  private static MongoClient client(MongoServer mongo) {
    return MongoClientPresets.builder(MongoPreset.OLTP, mongo.connectionString())
        .serverSelectionTimeout(Duration.ofSeconds(2))
        .connectTimeout(Duration.ofSeconds(1))
        .maxWaitTime(Duration.ofSeconds(2))
        .minPoolSize(0)
        .buildClient();
  }

  private static MongoCollection<Document> items(
      MongoClient client, MongoServer mongo, String hint) {
    return client.getDatabase(mongo.uniqueDatabaseName(hint)).getCollection("items");
  }

  @Test
  void aDuplicateKeyFromTheServerIsPermanent(MongoServer mongo) {
    try (MongoClient client = client(mongo)) {
      MongoCollection<Document> items = items(client, mongo, "dup");
      items.insertOne(new Document("_id", 1));

      Throwable single = catchThrowable(() -> items.insertOne(new Document("_id", 1)));
      assertThat(single).isInstanceOf(MongoWriteException.class);
      assertThat(((MongoWriteException) single).getCode()).isEqualTo(11000);
      assertThat(CLASSIFIER.classify(single)).isEqualTo(FailureClass.PERMANENT);

      Throwable bulk =
          catchThrowable(
              () -> items.insertMany(List.of(new Document("_id", 2), new Document("_id", 1))));
      assertThat(bulk).isInstanceOf(MongoBulkWriteException.class);
      assertThat(CLASSIFIER.classify(bulk)).isEqualTo(FailureClass.PERMANENT);
      // wrapped by the application: judged by the driver's exception inside
      assertThat(CLASSIFIER.classify(new IllegalStateException("saving failed", bulk)))
          .isEqualTo(FailureClass.PERMANENT);
    }
  }

  @Test
  void aStoppedServerIsATransientFailure(MongoServer mongo) {
    try (MongoClient connected = client(mongo)) {
      MongoCollection<Document> items = items(connected, mongo, "stopped");
      items.insertOne(new Document("_id", 1));
      mongo.stop();
      try {
        // the first read after the stop may instead die on a pooled connection the server closed:
        // the request may have reached the server, so UNKNOWN, which a read (idempotent) may retry
        Throwable first = catchThrowable(() -> items.countDocuments());
        assertThat(first).isNotNull();
        assertThat(CLASSIFIER.classify(first).isRetryable(true))
            .as("%s is retryable for a read", first)
            .isTrue();
        assertThat(CLASSIFIER.classify(first))
            .as("%s", first)
            .isIn(FailureClass.TRANSIENT, FailureClass.UNKNOWN);
        // a client that never reached the server: nothing was sent, so trying again is safe
        try (MongoClient fresh = client(mongo)) {
          Throwable neverConnected =
              catchThrowable(() -> fresh.getDatabase("admin").runCommand(new Document("ping", 1)));
          assertThat(neverConnected).isInstanceOf(MongoTimeoutException.class);
          assertThat(CLASSIFIER.classify(neverConnected)).isEqualTo(FailureClass.TRANSIENT);
        }
        // a client that was connected: once its monitor has seen the server go, operations fail
        // in server selection, before anything is sent
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    connected.getClusterDescription().getServerDescriptions().stream()
                        .noneMatch(s -> s.getState() == ServerConnectionState.CONNECTED));
        Throwable wasConnected = catchThrowable(() -> items.countDocuments());
        assertThat(wasConnected).isInstanceOf(MongoTimeoutException.class);
        assertThat(CLASSIFIER.classify(wasConnected)).isEqualTo(FailureClass.TRANSIENT);
      } finally {
        mongo.start();
      }
      assertThat(items.countDocuments()).isEqualTo(1);
    }
  }
}
