package dev.larder.testkit.internal;

import dev.larder.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** One PostgreSQL server in either tier; the tier lives in the {@link Lifecycle}. */
public final class PostgresServerImpl extends LifecycleServer implements PostgresServer {

  /** The database every server has and {@link #jdbcUrl()} points at. */
  public static final String DEFAULT_DATABASE = "postgres";

  private final String name;
  private final int port;
  private final String username;
  private final String password;
  private volatile Lifecycle lifecycle = NOT_STARTED;

  /**
   * Describes a server; {@link #attach(Lifecycle)} gives it its fault hooks once it runs.
   *
   * @param name for logs
   * @param port its loopback port
   * @param username superuser name
   * @param password its password
   */
  public PostgresServerImpl(String name, int port, String username, String password) {
    this.name = name;
    this.port = port;
    this.username = username;
    this.password = password;
  }

  /**
   * Sets the fault hooks.
   *
   * @param lifecycle the process or container control
   */
  public void attach(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  @Override
  public String host() {
    return Ports.LOOPBACK;
  }

  @Override
  public int port() {
    return port;
  }

  /**
   * Whether {@code SELECT 1} succeeds within 2 s; a readiness probe.
   *
   * @return {@code true} when the server accepts queries
   */
  public boolean answers() {
    PGSimpleDataSource ds = simpleDataSource(DEFAULT_DATABASE);
    ds.setConnectTimeout(2);
    ds.setSocketTimeout(2);
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SELECT 1");
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String jdbcUrl() {
    return jdbcUrl(DEFAULT_DATABASE);
  }

  @Override
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port + "/" + database;
  }

  @Override
  public String username() {
    return username;
  }

  @Override
  public String password() {
    return password;
  }

  @Override
  public DataSource dataSource(String database) {
    return simpleDataSource(database);
  }

  private PGSimpleDataSource simpleDataSource(String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {Ports.LOOPBACK});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(database);
    ds.setUser(username);
    ds.setPassword(password);
    ds.setConnectTimeout(5);
    return ds;
  }

  @Override
  protected Lifecycle lifecycle() {
    return lifecycle;
  }

  @Override
  public String toString() {
    return name + " at " + jdbcUrl();
  }

  private static final Lifecycle NOT_STARTED =
      new Lifecycle() {
        @Override
        public void start() {
          throw new IllegalStateException("server not started yet");
        }

        @Override
        public void stop() {}

        @Override
        public void pause() {
          throw new IllegalStateException("server not started yet");
        }

        @Override
        public void resume() {}

        @Override
        public boolean isRunning() {
          return false;
        }

        @Override
        public void destroy() {}
      };
}
