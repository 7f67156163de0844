package dev.larder.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.PostgresServer;
import java.util.ArrayList;
import java.util.List;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The servers scenarios run on (the testkit's, so the same in every tier) and the clients both
 * sides of a comparison share the configuration of. Closes what it opened.
 */
public final class Servers implements AutoCloseable {
  private final List<AutoCloseable> opened = new ArrayList<>();

  /**
   * A new Redisson client on the testkit's Redis with a given connection pool, so each simulated
   * instance has its own connections and event loop as a separate JVM would.
   *
   * @param poolSize connections in the pool
   * @return the client, shut down by {@link #close()}
   */
  public RedissonClient redisson(int poolSize) {
    Config config = LarderServices.redis().redissonConfig();
    config
        .useSingleServer()
        .setConnectionPoolSize(poolSize)
        .setConnectionMinimumIdleSize(Math.min(poolSize, 4));
    RedissonClient client = Redisson.create(config);
    opened.add(client::shutdown);
    return client;
  }

  /**
   * A fresh database on the cluster (visible on the standby too).
   *
   * @param hint a name hint
   * @return the database's name
   */
  public String database(String hint) {
    return LarderServices.postgres().createDatabase(hint);
  }

  /**
   * A HikariCP pool, plain settings both sides of a comparison share.
   *
   * @param server primary or standby
   * @param database the database
   * @param size the pool size
   * @param name the pool's name
   * @return the pool, closed by {@link #close()}
   */
  public HikariDataSource pool(PostgresServer server, String database, int size, String name) {
    return open(config(server, database, size, name));
  }

  /**
   * {@link #pool}, with every session read-only from connect time ({@code
   * default_transaction_read_only=on}): a primary read pool for the router.
   *
   * @param server the primary
   * @param database the database
   * @param size the pool size
   * @param name the pool's name
   * @return the pool, closed by {@link #close()}
   */
  public HikariDataSource readOnlyPool(
      PostgresServer server, String database, int size, String name) {
    HikariConfig c = config(server, database, size, name);
    c.addDataSourceProperty("options", "-c default_transaction_read_only=on");
    return open(c);
  }

  private static HikariConfig config(
      PostgresServer server, String database, int size, String name) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(server.jdbcUrl(database));
    c.setUsername(server.username());
    c.setPassword(server.password());
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(size);
    c.setPoolName(name);
    c.setConnectionTimeout(1_000);
    c.setValidationTimeout(500);
    c.setInitializationFailTimeout(-1);
    c.addDataSourceProperty("connectTimeout", "1");
    c.addDataSourceProperty("socketTimeout", "5");
    return c;
  }

  private HikariDataSource open(HikariConfig c) {
    HikariDataSource ds = new HikariDataSource(c);
    opened.add(ds);
    return ds;
  }

  /**
   * Registers something else to close.
   *
   * @param c closed by {@link #close()}, in reverse order
   * @param <T> its type
   * @return {@code c}
   */
  public <T extends AutoCloseable> T closeLater(T c) {
    opened.add(c);
    return c;
  }

  @Override
  public void close() {
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        // a benchmark's clean-up failing says nothing about what was measured
      }
    }
    opened.clear();
  }
}
