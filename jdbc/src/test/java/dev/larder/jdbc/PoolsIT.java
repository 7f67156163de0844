package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PoolsIT {
  private static PgFixture pg;

  @BeforeAll
  static void database() {
    pg = PgFixture.create("pools");
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  private static Pools.Builder oltp(String name) {
    var server = pg.cluster.primary();
    return Pools.builder(PoolPreset.OLTP, server.jdbcUrl(pg.database))
        .credentials(server.username(), server.password())
        .poolName(name);
  }

  @Test
  void fourTimesMoreThreadsThanConnectionsAllComplete() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (HikariDataSource pool =
        oltp("pools-4x").maximumPoolSize(2).meterRegistry(registry).build()) {
      ExecutorService threads = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int n = i;
          results.add(
              threads.submit(
                  () ->
                      Jdbi.create(pool)
                          .withHandle(
                              h ->
                                  h.createQuery("SELECT :n FROM pg_sleep(0.05)")
                                      .bind("n", n)
                                      .mapTo(Integer.class)
                                      .one())));
        }
        for (int i = 0; i < 8; i++) {
          assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(i);
        }
      } finally {
        threads.shutdownNow();
      }
      assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isLessThanOrEqualTo(2);
      assertThat(registry.find("hikaricp.connections.acquire").timer()).isNotNull();
      assertThat(registry.find("hikaricp.connections.acquire").timer().count())
          .isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void acquisitionBeyondThePoolFailsWithAClearTimeout() throws Exception {
    try (HikariDataSource pool =
        oltp("pools-timeout")
            .maximumPoolSize(1)
            .connectionTimeout(Duration.ofMillis(300))
            .build()) {
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService holder = Executors.newSingleThreadExecutor();
      try {
        holder.submit(
            () -> {
              try (Connection c = pool.getConnection()) {
                assertThat(c.isValid(1)).isTrue();
                held.countDown();
                release.await(30, TimeUnit.SECONDS);
              }
              return null;
            });
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(pool::getConnection)
            .isInstanceOf(SQLTransientConnectionException.class)
            .hasMessageContaining("pools-timeout")
            .hasMessageContaining("request timed out after");
      } finally {
        release.countDown();
        holder.shutdown();
      }
    }
  }

  @Test
  void idleSessionTimeoutShorterThanTheIdleSpanIsAContradiction() throws SQLException {
    pg.primaryJdbi()
        .useHandle(
            h ->
                h.execute(
                    "ALTER DATABASE \"" + pg.database + "\" SET idle_session_timeout = '20s'"));
    try (HikariDataSource pool = oltp("pools-idle").maximumPoolSize(2).minimumIdle(0).build()) {
      ServerSettingsCheck.Report report = ServerSettingsCheck.builder().pool(pool).build().run();
      assertThat(report.server().idleSessionTimeout()).isEqualTo(Duration.ofSeconds(20));
      assertThat(report.hasContradictions()).isTrue();
      assertThat(report.findings())
          .anySatisfy(
              f -> {
                assertThat(f.setting()).isEqualTo("maxLifetime");
                assertThat(f.message()).contains("idle_session_timeout is 20000 ms");
              });
      assertThatThrownBy(
              () -> ServerSettingsCheck.builder().pool(pool).failOnContradiction().build().run())
          .isInstanceOf(PoolConfigurationException.class)
          .hasMessageContaining("maxLifetime");
    } finally {
      pg.primaryJdbi()
          .useHandle(
              h -> h.execute("ALTER DATABASE \"" + pg.database + "\" RESET idle_session_timeout"));
    }
    // with the server's limit above the keepalive ping, the same check passes
    pg.primaryJdbi()
        .useHandle(
            h ->
                h.execute(
                    "ALTER DATABASE \"" + pg.database + "\" SET idle_session_timeout = '5min'"));
    try (HikariDataSource pool = oltp("pools-idle-ok").maximumPoolSize(2).minimumIdle(0).build()) {
      ServerSettingsCheck.Report report =
          ServerSettingsCheck.builder().pool(pool).failOnContradiction().build().run();
      assertThat(report.hasContradictions()).isFalse();
    } finally {
      pg.primaryJdbi()
          .useHandle(
              h -> h.execute("ALTER DATABASE \"" + pg.database + "\" RESET idle_session_timeout"));
    }
  }

  @Test
  void poolsLargerThanMaxConnectionsAreAContradiction() throws SQLException {
    ServerSettingsCheck.ServerSettings server;
    try (HikariDataSource probe = oltp("pools-probe").maximumPoolSize(1).build()) {
      server = ServerSettingsCheck.builder().pool(probe).build().run().server();
    }
    int usable = server.maxConnections() - server.reservedConnections();
    int half = usable / 2 - 1;
    // minimumIdle 0: the sizes are only declared, never opened
    try (HikariDataSource a = oltp("pools-big-a").maximumPoolSize(half).minimumIdle(0).build();
        HikariDataSource b = oltp("pools-big-b").maximumPoolSize(half).minimumIdle(0).build()) {
      ServerSettingsCheck.Report fits = ServerSettingsCheck.builder().pool(a).pool(b).build().run();
      assertThat(fits.findings()).noneMatch(f -> f.setting().equals("maximumPoolSize"));

      ServerSettingsCheck.Report twoInstances =
          ServerSettingsCheck.builder().pool(a).pool(b).instances(2).build().run();
      assertThat(twoInstances.findings())
          .anySatisfy(
              f -> {
                assertThat(f.severity()).isEqualTo(ServerSettingsCheck.Severity.CONTRADICTION);
                assertThat(f.setting()).isEqualTo("maximumPoolSize");
                assertThat(f.message()).contains("max_connections " + server.maxConnections());
              });
      assertThatThrownBy(
              () ->
                  ServerSettingsCheck.builder()
                      .pool(a)
                      .pool(b)
                      .instances(2)
                      .failOnContradiction()
                      .build()
                      .run())
          .isInstanceOf(PoolConfigurationException.class);
    }
  }

  @Test
  void connectionLimitsOfTheDatabaseAndTheRoleAreContradictionsForAnOrdinaryUser()
      throws SQLException {
    String role = pg.database + "_app";
    var admin = pg.primaryJdbi();
    admin.useHandle(h -> h.execute("CREATE ROLE \"" + role + "\" LOGIN PASSWORD 'app-secret'"));
    try {
      var server = pg.cluster.primary();
      Pools.Builder asApp =
          Pools.builder(PoolPreset.OLTP, server.jdbcUrl(pg.database))
              .credentials(role, "app-secret")
              .poolName("pools-app")
              .maximumPoolSize(4)
              .minimumIdle(0);
      try (HikariDataSource app = asApp.build();
          HikariDataSource superuser =
              oltp("pools-superuser").maximumPoolSize(4).minimumIdle(0).build()) {
        ServerSettingsCheck.Report unlimited =
            ServerSettingsCheck.builder().pool(app).build().run();
        assertThat(unlimited.server().databaseConnectionLimit()).isEqualTo(-1);
        assertThat(unlimited.server().superuser()).isFalse();
        assertThat(unlimited.hasContradictions()).isFalse();

        admin.useHandle(
            h -> h.execute("ALTER DATABASE \"" + pg.database + "\" CONNECTION LIMIT 3"));
        ServerSettingsCheck.Report byDatabase =
            ServerSettingsCheck.builder().pool(app).build().run();
        assertThat(byDatabase.server().databaseConnectionLimit()).isEqualTo(3);
        assertThat(byDatabase.findings())
            .anySatisfy(
                f -> {
                  assertThat(f.severity()).isEqualTo(ServerSettingsCheck.Severity.CONTRADICTION);
                  assertThat(f.setting()).isEqualTo("maximumPoolSize");
                  assertThat(f.message())
                      .contains("4 connections")
                      .contains("the database's CONNECTION LIMIT is 3");
                });
        assertThatThrownBy(
                () -> ServerSettingsCheck.builder().pool(app).failOnContradiction().build().run())
            .isInstanceOf(PoolConfigurationException.class)
            .hasMessageContaining("CONNECTION LIMIT is 3");
        // superusers are exempt from the limit, so the same sizes are fine for them
        ServerSettingsCheck.Report forSuperuser =
            ServerSettingsCheck.builder().pool(superuser).build().run();
        assertThat(forSuperuser.server().superuser()).isTrue();
        assertThat(forSuperuser.findings())
            .noneMatch(f -> f.message().contains("CONNECTION LIMIT"));

        admin.useHandle(
            h -> h.execute("ALTER DATABASE \"" + pg.database + "\" CONNECTION LIMIT -1"));
        admin.useHandle(h -> h.execute("ALTER ROLE \"" + role + "\" CONNECTION LIMIT 2"));
        ServerSettingsCheck.Report byRole = ServerSettingsCheck.builder().pool(app).build().run();
        assertThat(byRole.server().roleConnectionLimit()).isEqualTo(2);
        assertThat(byRole.findings())
            .singleElement()
            .satisfies(f -> assertThat(f.message()).contains("the role's CONNECTION LIMIT is 2"));
      }
    } finally {
      admin.useHandle(h -> h.execute("ALTER DATABASE \"" + pg.database + "\" CONNECTION LIMIT -1"));
      admin.useHandle(h -> h.execute("DROP ROLE IF EXISTS \"" + role + "\""));
    }
  }

  @Test
  void pgJdbcPropertiesReachTheServer() {
    try (HikariDataSource pool =
        oltp("pools-props").applicationName("larder-props-it").maximumPoolSize(1).build()) {
      String app =
          Jdbi.create(pool)
              .withHandle(h -> h.createQuery("SHOW application_name").mapTo(String.class).one());
      assertThat(app).isEqualTo("larder-props-it");
    }
  }
}
