package dev.larder.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** Pool and command meters from the driver's listeners, read back from a SimpleMeterRegistry. */
@LarderTest
class MongoMetricsIT {

  @Test
  void commandsAndThePoolAreMeasured(MongoServer mongo) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (MongoClient client =
        MongoClientPresets.builder(MongoPreset.OLTP, mongo.connectionString())
            .serverSelectionTimeout(Duration.ofSeconds(3))
            .minPoolSize(0)
            .meterRegistry(registry)
            .buildClient()) {
      MongoCollection<Document> items =
          client.getDatabase(mongo.uniqueDatabaseName("metrics")).getCollection("items");
      items.insertOne(new Document("_id", 1));
      items.insertOne(new Document("_id", 2));
      items.find().into(new java.util.ArrayList<>());

      Timer inserts =
          registry
              .find("mongodb.driver.commands")
              .tags("command", "insert", "collection", "items", "status", "SUCCESS")
              .timer();
      assertThat(inserts).isNotNull();
      assertThat(inserts.count()).isEqualTo(2);
      assertThat(
              registry
                  .find("mongodb.driver.commands")
                  .tags("command", "find", "collection", "items")
                  .timer()
                  .count())
          .isEqualTo(1);

      Throwable duplicate = catchThrowable(() -> items.insertOne(new Document("_id", 1)));
      assertThat(duplicate).isNotNull();
      // every insert sent is timed once, whichever status the reply had (a duplicate key is a write
      // error inside an ok reply on mongod)
      assertThat(
              registry
                  .find("mongodb.driver.commands")
                  .tags("command", "insert", "collection", "items")
                  .timers()
                  .stream()
                  .mapToLong(Timer::count)
                  .sum())
          .isEqualTo(3);

      Gauge size = registry.find("mongodb.driver.pool.size").gauge();
      Gauge checkedOut = registry.find("mongodb.driver.pool.checkedout").gauge();
      assertThat(size).isNotNull();
      assertThat(size.value()).isGreaterThanOrEqualTo(1.0);
      assertThat(checkedOut).isNotNull();
      assertThat(checkedOut.value()).as("nothing in use between calls").isZero();
      assertThat(registry.find("mongodb.driver.pool.waitqueuesize").gauge()).isNotNull();
    }
  }
}
