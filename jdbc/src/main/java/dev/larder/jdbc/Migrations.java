package dev.larder.jdbc;

import dev.larder.core.LarderException;
import dev.larder.core.internal.Require;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Flyway on the primary at start-up, then makes the pools and replicas safe to use with the
 * new schema.
 *
 * <ol>
 *   <li>migrate on the primary, from the caller's locations;
 *   <li>soft-evict every HikariCP pool's connections (primary and replicas): a pooled connection
 *       that prepared a statement before the migration would otherwise fail with "cached plan must
 *       not change result type"; connections in use are retired when returned;
 *   <li>with a router, require every replica to replay the migration's WAL position before it
 *       serves reads again, and optionally wait for them here.
 * </ol>
 *
 * <pre>{@code
 * Migrations.builder(router).locations("classpath:db/migration")
 *     .awaitReplicas(Duration.ofSeconds(30)).migrate();
 * }</pre>
 *
 * <p>Immutable once built; {@link #migrate()} may be called from any thread, but run one migration
 * at a time (Flyway locks its schema history table, so concurrent runs wait for each other). Its
 * {@link Builder} is not thread-safe.
 */
public final class Migrations {
  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  /**
   * What a migration did.
   *
   * <p>An immutable value: thread-safe.
   *
   * @param migrationsExecuted how many migrations ran
   * @param targetVersion the schema version after this run (also when nothing ran), or null if the
   *     schema has no versioned migration applied
   * @param position the primary's WAL position after the migration, or null without a router
   * @param lateReplicas replicas that had not replayed it within the wait (they stay out of
   *     rotation until they have)
   * @param evictedPools how many HikariCP pools were recycled
   */
  public record Result(
      int migrationsExecuted,
      @Nullable String targetVersion,
      @Nullable ConsistencyToken position,
      List<String> lateReplicas,
      int evictedPools) {}

  private final @Nullable ReplicaRouter router;
  private final DataSource primary;
  private final List<DataSource> pools;
  private final String[] locations;
  private final Duration await;
  private final List<Consumer<FluentConfiguration>> customizers;

  private Migrations(Builder b) {
    this.router = b.router;
    this.primary = b.primary;
    this.pools = b.router != null ? b.router.pools() : List.of(b.primary);
    this.locations = b.locations.toArray(new String[0]);
    this.await = b.await != null ? b.await : Duration.ZERO;
    this.customizers = List.copyOf(b.customizers);
  }

  /**
   * Migrations on a router's primary; its replicas wait for the result.
   *
   * @param router the router
   * @return a new builder
   */
  public static Builder builder(ReplicaRouter router) {
    Require.notNull(router, "router");
    return new Builder(router, router.primary());
  }

  /**
   * Migrations on one database, without replicas.
   *
   * @param primary the database's pool
   * @return a new builder
   */
  public static Builder builder(DataSource primary) {
    return new Builder(null, Require.notNull(primary, "primary"));
  }

  /**
   * Migrates, recycles the pools and holds back replicas until they have the new schema.
   *
   * @return what was done
   * @throws org.flywaydb.core.api.FlywayException if a migration fails
   * @throws LarderException if the primary's position cannot be read afterwards
   */
  public Result migrate() {
    FluentConfiguration config = Flyway.configure().dataSource(primary).locations(locations);
    customizers.forEach(c -> c.accept(config));
    MigrateResult result = config.load().migrate();
    int evicted = 0;
    for (DataSource ds : pools) {
      if (ReplicaRouter.softEvict(ds)) {
        evicted++;
      }
    }
    ConsistencyToken position = null;
    List<String> late = List.of();
    if (router != null) {
      try {
        position = router.currentPosition();
        router.requireReplayed(position);
      } catch (SQLException e) {
        throw new LarderException("migrated, but the primary's WAL position could not be read", e);
      }
      if (!await.isZero()) {
        late = router.awaitReplayed(position, await);
      }
      if (!late.isEmpty()) {
        LOG.warn(
            "replicas {} had not replayed the migration (position {}) within {}: they serve no reads until they do",
            late,
            position.lsn(),
            await);
      }
    }
    // Flyway reports no target version when nothing ran: the schema is then at its initial version.
    String version =
        result.targetSchemaVersion != null
            ? result.targetSchemaVersion
            : result.initialSchemaVersion;
    LOG.info(
        "migrated to version {} ({} migration(s)); recycled {} pool(s)",
        version,
        result.migrationsExecuted,
        evicted);
    return new Result(result.migrationsExecuted, version, position, late, evicted);
  }

  /**
   * Builds {@link Migrations}.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private final @Nullable ReplicaRouter router;
    private final DataSource primary;
    private final List<String> locations = new ArrayList<>();
    private @Nullable Duration await;
    private final List<Consumer<FluentConfiguration>> customizers = new ArrayList<>();

    private Builder(@Nullable ReplicaRouter router, DataSource primary) {
      this.router = router;
      this.primary = primary;
    }

    /**
     * Where the migrations are, in Flyway's syntax ({@code classpath:db/migration}, {@code
     * filesystem:/opt/sql}).
     *
     * @param locations one or more locations (required)
     * @return this builder
     */
    public Builder locations(String... locations) {
      for (String l : locations) {
        this.locations.add(Require.notNull(l, "location"));
      }
      return this;
    }

    /**
     * Waits up to this long for every replica to replay the migration before {@link #migrate()}
     * returns. Replicas are held out of rotation until they have replayed it either way.
     *
     * @param timeout 0 or more (default 0: do not wait)
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder awaitReplicas(Duration timeout) {
      Require.notYetSet(await, "awaitReplicas");
      this.await = Require.nonNegative(timeout, "awaitReplicas");
      return this;
    }

    /**
     * Changes Flyway's configuration (schemas, placeholders, baseline…).
     *
     * @param customizer the change
     * @return this builder
     */
    public Builder configure(Consumer<FluentConfiguration> customizer) {
      customizers.add(Require.notNull(customizer, "customizer"));
      return this;
    }

    /**
     * Builds the migration.
     *
     * @return the migration, ready to {@link Migrations#migrate()}
     * @throws IllegalStateException if no location was given
     */
    public Migrations build() {
      if (locations.isEmpty()) {
        throw new IllegalStateException("locations must be given: where are the migrations?");
      }
      return new Migrations(this);
    }

    /**
     * Builds and runs the migration.
     *
     * @return what was done
     */
    public Result migrate() {
      return build().migrate();
    }
  }
}
