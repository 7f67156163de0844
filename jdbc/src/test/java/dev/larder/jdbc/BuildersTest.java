package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import dev.larder.resilience.RetryPolicy;
import dev.larder.resilience.TimeoutChain;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class BuildersTest {

  @Test
  void routerWithoutPrimaryFailsInBuild() {
    assertThatThrownBy(
            () -> ReplicaRouter.builder().replica("r1", new PGSimpleDataSource()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("primary must be set: a router needs a primary pool");
  }

  @Test
  void duplicateReplicaNamesAreRejected() {
    ReplicaRouter.Builder b = ReplicaRouter.builder().replica("r1", new PGSimpleDataSource());
    assertThatThrownBy(() -> b.replica("r1", new PGSimpleDataSource()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replica names must be unique but 'r1' was given twice");
    assertThatThrownBy(() -> b.replica("primary", new PGSimpleDataSource()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not 'primary'");
  }

  @Test
  void negativeBoundsAreRejectedNamingFieldAndValue() {
    assertThatThrownBy(() -> ReplicaRouter.builder().maxLagBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxLagBytes must be >= 0 but was -1");
    assertThatThrownBy(() -> ReplicaRouter.builder().maxReplayDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxReplayDelay must be >= 0 but was PT-1S");
    assertThatThrownBy(() -> ReplicaRouter.builder().healthCheckInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthCheckInterval must be > 0 but was PT0S");
    assertThatThrownBy(() -> ReplicaRouter.builder().healthCheckTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("healthCheckTimeout must be > 0 but was PT-0.001S");
    assertThatThrownBy(() -> ReadIntent.boundedStaleness(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStaleness must be >= 0 but was PT-0.005S");
  }

  @Test
  void repeatedSettingsAndSharedPoolsAreRejected() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    assertThatThrownBy(() -> ReplicaRouter.builder().maxLagBytes(1).maxLagBytes(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxLagBytes was already set to 1");
    assertThatThrownBy(() -> ReplicaRouter.builder().primary(ds).replica("r1", ds).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("replica 'r1' must not be the primary's pool");
    assertThatThrownBy(
            () ->
                ReplicaRouter.builder()
                    .defaultReadIntent(ReadIntent.readYourWrites(ConsistencyToken.of(1, 1, "0/1"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("defaultReadIntent must not be READ_YOUR_WRITES");
  }

  @Test
  void primaryReadPoolMustBeItsOwnPoolAndSetOnce() {
    PGSimpleDataSource primary = new PGSimpleDataSource();
    PGSimpleDataSource reads = new PGSimpleDataSource();
    assertThatThrownBy(
            () -> ReplicaRouter.builder().primary(primary).primaryReadPool(primary).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "primaryReadPool must be a pool of read-only sessions apart from the primary's pool"
                + " but was the primary's pool itself");
    assertThatThrownBy(
            () ->
                ReplicaRouter.builder()
                    .primary(primary)
                    .primaryReadPool(reads)
                    .replica("r1", reads)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("replica 'r1' must not be the primary read pool");
    assertThatThrownBy(() -> ReplicaRouter.builder().primaryReadPool(reads).primaryReadPool(reads))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("primaryReadPool was already set to ");
  }

  @Test
  void readOnlySessionsSetTheSessionDefaultAtConnectTime() {
    HikariConfig c =
        Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://localhost/db")
            .readOnlySessions()
            .toHikariConfig();
    assertThat(c.getDataSourceProperties().getProperty("options"))
        .isEqualTo("-c default_transaction_read_only=on");
    assertThat(
            Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://localhost/db")
                .toHikariConfig()
                .getDataSourceProperties()
                .getProperty("options"))
        .isNull();
    assertThatThrownBy(
            () ->
                Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://localhost/db")
                    .readOnlySessions()
                    .readOnlySessions())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("readOnlySessions was already set to true");
  }

  @Test
  void poolSizeFollowsTheFormula() {
    assertThat(PoolPreset.OLTP.recommendedPoolSize(4, 1000)).isEqualTo(9);
    assertThat(PoolPreset.OLTP.recommendedPoolSize(4, 5)).isEqualTo(5);
    assertThat(PoolPreset.OLTP.recommendedPoolSize(4, 1)).isEqualTo(2);
    assertThat(PoolPreset.REPLICA.recommendedPoolSize(2, 1000)).isEqualTo(5);
    assertThat(PoolPreset.BATCH.recommendedPoolSize(8, 1000)).isEqualTo(8);
    assertThat(PoolPreset.BATCH.recommendedPoolSize(8, 3)).isEqualTo(3);
    assertThatThrownBy(() -> PoolPreset.OLTP.recommendedPoolSize(0, 1))
        .hasMessage("databaseCores must be > 0 but was 0");
  }

  @Test
  void theOltpPresetsConnectionTimeoutFitsInsideTheInteractiveRetryDeadline() {
    // Before: 3 s, so a primary that was down failed each call after the interactive policy's 2 s
    // deadline and was never retried (issue 22).
    HikariConfig oltp = Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app").toHikariConfig();
    Duration deadline = RetryPolicy.interactiveBuilder("any").build().deadline().orElseThrow();
    TimeoutChain.of("OLTP connectionTimeout", Duration.ofMillis(oltp.getConnectionTimeout()))
        .then("interactive retry deadline", deadline)
        .check();
  }

  @Test
  void presetsSetTimeoutsAndPgJdbcProperties() {
    HikariConfig oltp =
        Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app")
            .databaseCores(4)
            .expectedConcurrency(100)
            .poolName("app")
            .toHikariConfig();
    assertThat(oltp.getMaximumPoolSize()).isEqualTo(9);
    assertThat(oltp.getMinimumIdle()).isEqualTo(9);
    assertThat(oltp.getConnectionTimeout()).isEqualTo(1000);
    assertThat(oltp.getMaxLifetime()).isEqualTo(Duration.ofMinutes(30).toMillis());
    assertThat(oltp.getKeepaliveTime()).isEqualTo(Duration.ofMinutes(2).toMillis());
    assertThat(oltp.getLeakDetectionThreshold()).isEqualTo(30_000);
    assertThat(oltp.isReadOnly()).isFalse();
    assertThat(oltp.getDataSourceProperties())
        .containsEntry("reWriteBatchedInserts", "true")
        .containsEntry("prepareThreshold", "5")
        .containsEntry("socketTimeout", "30")
        .containsEntry("connectTimeout", "5")
        .containsEntry("ApplicationName", "app");

    HikariConfig replica =
        Pools.builder(PoolPreset.REPLICA, "jdbc:postgresql://replica/app").toHikariConfig();
    assertThat(replica.isReadOnly()).isTrue();
    assertThat(replica.getInitializationFailTimeout()).isEqualTo(-1);
    assertThat(replica.getConnectionTimeout()).isEqualTo(1000);

    HikariConfig batch =
        Pools.builder(PoolPreset.BATCH, "jdbc:postgresql://db/app").toHikariConfig();
    assertThat(batch.getLeakDetectionThreshold()).isZero();
    assertThat(batch.getDataSourceProperties()).containsEntry("socketTimeout", "1800");

    HikariConfig bouncer =
        Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://bouncer/app")
            .pgBouncerTransactionMode()
            .toHikariConfig();
    assertThat(bouncer.getDataSourceProperties()).containsEntry("prepareThreshold", "0");
  }

  @Test
  void poolSettingsAreValidated() {
    assertThatThrownBy(() -> Pools.builder(PoolPreset.OLTP, "jdbc:mysql://db/app"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("jdbcUrl must start with 'jdbc:postgresql:'");
    assertThatThrownBy(
            () ->
                Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app")
                    .maxLifetime(Duration.ofSeconds(1)))
        .hasMessage("maxLifetime must be >= PT30S but was PT1S");
    assertThatThrownBy(
            () ->
                Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app")
                    .maxLifetime(Duration.ofMinutes(1))
                    .keepaliveTime(Duration.ofMinutes(2))
                    .toHikariConfig())
        .hasMessage("keepaliveTime must be < maxLifetime PT1M but was PT2M");
    assertThatThrownBy(
            () ->
                Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app")
                    .maximumPoolSize(2)
                    .minimumIdle(3)
                    .toHikariConfig())
        .hasMessage("minimumIdle must be <= maximumPoolSize 2 but was 3");
    assertThatThrownBy(
            () ->
                Pools.builder(PoolPreset.OLTP, "jdbc:postgresql://db/app")
                    .poolName("a")
                    .poolName("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("poolName was already set to a");
  }

  @Test
  void queryHashIsStableAndIgnoresWhitespace() {
    assertThat(QueryMetrics.hash("SELECT 1")).isEqualTo(QueryMetrics.hash("  SELECT\n\t 1 "));
    assertThat(QueryMetrics.hash("SELECT 1")).isNotEqualTo(QueryMetrics.hash("SELECT 2"));
    // FNV-1a 64 of "SELECT 1": the same tag in every JVM and every release
    assertThat(QueryMetrics.hash("SELECT 1")).isEqualTo("199e7bca63ea84f2");
  }

  @Test
  void migrationsNeedALocation() {
    assertThatThrownBy(() -> Migrations.builder(new PGSimpleDataSource()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("locations must be given");
  }
}
