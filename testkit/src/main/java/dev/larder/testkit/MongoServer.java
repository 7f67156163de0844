package dev.larder.testkit;

import java.util.Set;

/**
 * A MongoDB endpoint for {@code mongodb-driver-sync}: a real {@code mongod} running as a
 * single-node replica set in the docker flavour, or the in-process mongo-java-server stand-in in
 * the embedded flavour. Check {@link #features()} (or annotate tests with {@link RequiresMongo})
 * before relying on transactions, replica-set behaviour or causal sessions.
 */
public interface MongoServer extends ManagedServer {

  /**
   * A connection string for {@code MongoClients.create(...)}.
   *
   * @return a string such as {@code mongodb://127.0.0.1:27017/?directConnection=true}
   */
  String connectionString();

  /**
   * A database name no other caller in this JVM gets.
   *
   * @param hint a readable part for the name (a test name); characters other than letters, digits
   *     and {@code _} are replaced
   * @return the name, at most 63 characters
   */
  String uniqueDatabaseName(String hint);

  /**
   * What this server can do.
   *
   * @return an unmodifiable set; all features for a real {@code mongod}, only {@link
   *     MongoFeature#CHANGE_STREAMS} for the stand-in
   */
  Set<MongoFeature> features();

  /**
   * What is serving, for logs and reports: the image name, or {@code "mongo-java-server 1.47.0
   * (stand-in)"}.
   *
   * @return a description of the flavour
   */
  String flavour();
}
