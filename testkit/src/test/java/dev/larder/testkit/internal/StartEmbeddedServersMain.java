package dev.larder.testkit.internal;

import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.RedisServer;

/**
 * What a test JVM of one OS user does first: start the embedded Redis and PostgreSQL through the
 * testkit's API (which extracts the binaries and creates the run directories), prove both answer,
 * and exit (the shutdown hook stops the servers). {@link PerUserDirectoriesIT} runs it as two users
 * against one {@code java.io.tmpdir}. Exits 0 and prints {@code STARTED ...} on success.
 */
public final class StartEmbeddedServersMain {

  private StartEmbeddedServersMain() {}

  /**
   * Starts both servers.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try {
      RedisServer redis = LarderServices.redis();
      String runId = redis.runId();
      PostgresCluster postgres = LarderServices.postgres();
      String db = postgres.createDatabase("two_users");
      System.out.println(
          "STARTED redis "
              + redis.uri()
              + " (run id "
              + runId
              + "), postgres database "
              + db
              + " on "
              + postgres.primary().jdbcUrl()
              + ", testkit directory "
              + BinaryCache.root());
      System.out.flush();
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
  }
}
