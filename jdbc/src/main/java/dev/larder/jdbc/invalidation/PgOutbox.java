package dev.larder.jdbc.invalidation;

import dev.larder.core.internal.Require;
import dev.larder.jdbc.invalidation.SqlNames.QualifiedName;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The transactional outbox that carries cache invalidations out of PostgreSQL: its schema, the
 * triggers that fill it, and helpers to write to it inside the caller's transaction.
 *
 * <p>An invalidation is a row {@code (id, txid, cache_name, cache_key, created_at)} in the outbox
 * table, written by the same transaction that changed the data, so it commits with the data or not
 * at all: a rolled-back transaction never publishes. A statement-level trigger on the outbox sends
 * {@code NOTIFY <channel>}, which PostgreSQL delivers only on commit; the notification is a
 * doorbell only (it carries nothing), the outbox row is the event. {@link PgOutboxSource} reads the
 * rows.
 *
 * <p>Rows get there in one of two ways:
 *
 * <ul>
 *   <li>{@link #installCaptureTrigger(Connection, String, String, String)}: a row trigger on a
 *       watched table maps the table's key column to one cache, for every insert, update (old and
 *       new key if the key changed) and delete, and a truncate clears the whole cache;
 *   <li>{@link #record(Connection, String, Collection)} / {@link #recordAll(Connection, String)}:
 *       the application writes rows itself inside its transaction (for caches keyed by something
 *       other than one table's key).
 * </ul>
 *
 * <p>Every name in generated SQL is checked against {@code [a-z_][a-z0-9_]{0,62}} (optionally
 * {@code schema.name}) and cache names against {@code [A-Za-z0-9_.:-]{1,100}}; nothing else from
 * the caller is concatenated into SQL. Needs PostgreSQL 13 or later ({@code xid8}, {@code
 * pg_current_xact_id()}, {@code pg_current_snapshot()}).
 *
 * <p>Immutable and thread-safe.
 */
public final class PgOutbox {
  /** Default outbox table. */
  public static final String DEFAULT_OUTBOX_TABLE = "larder_invalidation_outbox";

  /** Default table of consumer positions. */
  public static final String DEFAULT_POSITION_TABLE = "larder_invalidation_position";

  /** Default NOTIFY channel. */
  public static final String DEFAULT_CHANNEL = "larder_invalidation";

  private static final int MAX_OUTBOX_NAME = 48;
  private static final PgOutbox DEFAULTS = builder().build();

  private final QualifiedName outbox;
  private final QualifiedName positions;
  private final String channel;

  private PgOutbox(QualifiedName outbox, QualifiedName positions, String channel) {
    this.outbox = outbox;
    this.positions = positions;
    this.channel = channel;
  }

  /**
   * The outbox with the default names {@value #DEFAULT_OUTBOX_TABLE}, {@value
   * #DEFAULT_POSITION_TABLE} and channel {@value #DEFAULT_CHANNEL}.
   *
   * @return the shared default outbox
   */
  public static PgOutbox defaults() {
    return DEFAULTS;
  }

  /**
   * A builder for an outbox with other names.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The outbox table, possibly schema-qualified, unquoted.
   *
   * @return the table name
   */
  public String outboxTable() {
    return outbox.toString();
  }

  /**
   * The consumer-position table, possibly schema-qualified, unquoted.
   *
   * @return the table name
   */
  public String positionTable() {
    return positions.toString();
  }

  /**
   * The NOTIFY channel.
   *
   * @return the channel name
   */
  public String channel() {
    return channel;
  }

  /**
   * The DDL that creates the outbox, its prune watermark, the position table, the capture function
   * and the NOTIFY trigger. Every statement is idempotent ({@code IF NOT EXISTS}, {@code OR
   * REPLACE}), so it can run at every start or be copied into a migration (Flyway).
   *
   * @return the statements, in order
   */
  public List<String> schemaDdl() {
    String o = outbox.sql();
    List<String> ddl = new ArrayList<>();
    ddl.add(
        "CREATE TABLE IF NOT EXISTS "
            + o
            + " ("
            + "id bigserial PRIMARY KEY, "
            + "txid xid8 NOT NULL DEFAULT pg_current_xact_id(), "
            + "cache_name text NOT NULL CHECK (btrim(cache_name) <> ''), "
            + "cache_key text, "
            + "created_at timestamptz NOT NULL DEFAULT clock_timestamp())");
    ddl.add(
        "CREATE INDEX IF NOT EXISTS "
            + SqlNames.quote(outbox.name() + "_txid_idx")
            + " ON "
            + o
            + " (txid, id)");
    ddl.add(
        "CREATE INDEX IF NOT EXISTS "
            + SqlNames.quote(outbox.name() + "_created_idx")
            + " ON "
            + o
            + " (created_at)");
    ddl.add(
        "CREATE TABLE IF NOT EXISTS "
            + pruned().sql()
            + " ("
            + "singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), "
            + "txid xid8 NOT NULL, id bigint NOT NULL, "
            + "pruned_at timestamptz NOT NULL DEFAULT now())");
    ddl.add(
        "CREATE TABLE IF NOT EXISTS "
            + positions.sql()
            + " ("
            + "consumer text PRIMARY KEY, txid xid8 NOT NULL, id bigint NOT NULL, "
            + "updated_at timestamptz NOT NULL DEFAULT now())");
    ddl.add(
        "CREATE OR REPLACE FUNCTION "
            + notifyFunction().sql()
            + "() RETURNS trigger"
            + " LANGUAGE plpgsql AS $larder$ BEGIN"
            + " PERFORM pg_notify(TG_ARGV[0], '');"
            + " RETURN NULL; END $larder$");
    ddl.add("DROP TRIGGER IF EXISTS " + SqlNames.quote(outbox.name() + "_notify") + " ON " + o);
    ddl.add(
        "CREATE TRIGGER "
            + SqlNames.quote(outbox.name() + "_notify")
            + " AFTER INSERT ON "
            + o
            + " FOR EACH STATEMENT EXECUTE FUNCTION "
            + notifyFunction().sql()
            + "("
            + SqlNames.literal(channel)
            + ")");
    // One generic row function for every watched table: the cache name and the key column come in
    // as trigger arguments, the key is read through to_jsonb so no per-table code is generated.
    // A key that is NULL or '' becomes a whole-cache invalidation rather than a silent miss.
    ddl.add(
        "CREATE OR REPLACE FUNCTION "
            + captureFunction().sql()
            + "() RETURNS trigger"
            + " LANGUAGE plpgsql AS $larder$"
            + " DECLARE old_key text; new_key text;"
            + " BEGIN"
            + " IF TG_OP = 'TRUNCATE' THEN"
            + "  INSERT INTO "
            + o
            + " (cache_name, cache_key) VALUES (TG_ARGV[0], NULL);"
            + "  RETURN NULL;"
            + " END IF;"
            + " IF TG_OP IN ('UPDATE', 'DELETE') THEN"
            + "  old_key := NULLIF(to_jsonb(OLD) ->> TG_ARGV[1], '');"
            + "  INSERT INTO "
            + o
            + " (cache_name, cache_key) VALUES (TG_ARGV[0], old_key);"
            + " END IF;"
            + " IF TG_OP IN ('INSERT', 'UPDATE') THEN"
            + "  new_key := NULLIF(to_jsonb(NEW) ->> TG_ARGV[1], '');"
            + "  IF TG_OP = 'INSERT' OR new_key IS DISTINCT FROM old_key THEN"
            + "   INSERT INTO "
            + o
            + " (cache_name, cache_key) VALUES (TG_ARGV[0], new_key);"
            + "  END IF;"
            + " END IF;"
            + " RETURN NULL;"
            + " END $larder$");
    return List.copyOf(ddl);
  }

  /**
   * Runs {@link #schemaDdl()} in one transaction on a connection from {@code dataSource}.
   *
   * @param dataSource where to install; its user needs CREATE rights on the schema
   * @throws SQLException if PostgreSQL refuses a statement (nothing is installed then)
   */
  public void install(DataSource dataSource) throws SQLException {
    Require.notNull(dataSource, "dataSource");
    try (Connection connection = dataSource.getConnection()) {
      inTransaction(connection, schemaDdl());
    }
  }

  /**
   * Runs {@link #schemaDdl()} on {@code connection}, in one transaction (the connection's
   * auto-commit setting is restored afterwards).
   *
   * @param connection where to install
   * @throws SQLException if PostgreSQL refuses a statement (nothing is installed then)
   */
  public void install(Connection connection) throws SQLException {
    Require.notNull(connection, "connection");
    inTransaction(connection, schemaDdl());
  }

  /**
   * The DDL that makes every insert, update, delete and truncate of {@code table} record an
   * invalidation of {@code cacheName} keyed by the value of {@code keyColumn} (as text, the way
   * {@code to_jsonb(row) ->> column} renders it: numbers and text as written, uuids in canonical
   * form). An update that changes the key invalidates both the old and the new key. Re-running it
   * replaces the trigger.
   *
   * @param table the watched table, {@code name} or {@code schema.name}
   * @param keyColumn the column whose value is the cache key, usually the primary key
   * @param cacheName the cache to invalidate
   * @return the statements, in order
   * @throws IllegalArgumentException if a name does not match its pattern, naming it
   */
  public List<String> captureTriggerDdl(String table, String keyColumn, String cacheName) {
    QualifiedName watched = QualifiedName.parse(table, "table", 63);
    SqlNames.identifier(keyColumn, "keyColumn");
    SqlNames.cacheName(cacheName, "cacheName");
    String trigger = triggerName(cacheName, keyColumn);
    String args = "(" + SqlNames.literal(cacheName) + ", " + SqlNames.literal(keyColumn) + ")";
    return List.of(
        "DROP TRIGGER IF EXISTS " + SqlNames.quote(trigger) + " ON " + watched.sql(),
        "CREATE TRIGGER "
            + SqlNames.quote(trigger)
            + " AFTER INSERT OR UPDATE OR DELETE ON "
            + watched.sql()
            + " FOR EACH ROW EXECUTE FUNCTION "
            + captureFunction().sql()
            + args,
        "DROP TRIGGER IF EXISTS " + SqlNames.quote(trigger + "_t") + " ON " + watched.sql(),
        "CREATE TRIGGER "
            + SqlNames.quote(trigger + "_t")
            + " AFTER TRUNCATE ON "
            + watched.sql()
            + " FOR EACH STATEMENT EXECUTE FUNCTION "
            + captureFunction().sql()
            + args);
  }

  /**
   * Installs {@link #captureTriggerDdl(String, String, String)} in one transaction, after checking
   * that the table and the column exist (a misspelt column would otherwise record whole-cache
   * invalidations for every write). Needs {@link #install(Connection)} first.
   *
   * @param connection where to install
   * @param table the watched table, {@code name} or {@code schema.name}
   * @param keyColumn the column whose value is the cache key
   * @param cacheName the cache to invalidate
   * @throws IllegalArgumentException if a name does not match its pattern, or the column does not
   *     exist in the table
   * @throws SQLException if PostgreSQL refuses a statement (e.g. the table does not exist)
   */
  public void installCaptureTrigger(
      Connection connection, String table, String keyColumn, String cacheName) throws SQLException {
    Require.notNull(connection, "connection");
    List<String> ddl = captureTriggerDdl(table, keyColumn, cacheName);
    try (PreparedStatement check =
        connection.prepareStatement(
            "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ?"
                + " AND attnum > 0 AND NOT attisdropped")) {
      check.setString(1, QualifiedName.parse(table, "table", 63).sql());
      check.setString(2, keyColumn);
      try (ResultSet rs = check.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalArgumentException(
              "keyColumn must be a column of table " + table + " but was '" + keyColumn + "'");
        }
      }
    }
    inTransaction(connection, ddl);
  }

  /**
   * Records invalidations of some keys of one cache, inside the caller's transaction: they become
   * visible to sources when (and only if) the transaction commits.
   *
   * @param connection a connection with auto-commit off, in the transaction that changes the data
   * @param cacheName the cache, not blank
   * @param keys the keys, at least one, none empty
   * @throws IllegalArgumentException if {@code cacheName} is blank, {@code keys} is empty or holds
   *     an empty key
   * @throws IllegalStateException if the connection is in auto-commit mode (the row would not be
   *     tied to the data change)
   * @throws SQLException if the insert fails
   */
  public void record(Connection connection, String cacheName, Collection<String> keys)
      throws SQLException {
    Require.notNull(connection, "connection");
    requireText(cacheName, "cacheName");
    Require.notNull(keys, "keys");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("keys must not be empty");
    }
    for (String key : keys) {
      Require.notNull(key, "key");
      if (key.isEmpty()) {
        throw new IllegalArgumentException("keys must not contain an empty key");
      }
    }
    requireTransaction(connection);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + outbox.sql() + " (cache_name, cache_key) SELECT ?, unnest(?)")) {
      insert.setString(1, cacheName);
      insert.setArray(2, connection.createArrayOf("text", keys.toArray(new String[0])));
      insert.executeUpdate();
    }
  }

  /**
   * Records that every entry of one cache is invalid, inside the caller's transaction.
   *
   * @param connection a connection with auto-commit off, in the transaction that changes the data
   * @param cacheName the cache, not blank
   * @throws IllegalArgumentException if {@code cacheName} is blank
   * @throws IllegalStateException if the connection is in auto-commit mode
   * @throws SQLException if the insert fails
   */
  public void recordAll(Connection connection, String cacheName) throws SQLException {
    Require.notNull(connection, "connection");
    requireText(cacheName, "cacheName");
    requireTransaction(connection);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + outbox.sql() + " (cache_name, cache_key) VALUES (?, NULL)")) {
      insert.setString(1, cacheName);
      insert.executeUpdate();
    }
  }

  /**
   * Deletes outbox rows older than {@code retention} (by their {@code created_at}, on the
   * database's clock) whose transactions are settled, and raises the prune watermark to the highest
   * position deleted. A consumer whose position is below the watermark has lost events and is told
   * so with {@link dev.larder.core.InvalidationListener#onGap(String)}. Runs in its own transaction
   * when the connection is in auto-commit mode. {@link PgOutboxSource} calls this itself when
   * pruning is on; call it from a scheduled job when it is off.
   *
   * @param connection where to prune
   * @param retention how old a row must be to go, {@code >= 0}
   * @return how many rows were deleted
   * @throws IllegalArgumentException if {@code retention} is negative
   * @throws SQLException if the delete fails
   */
  public long prune(Connection connection, Duration retention) throws SQLException {
    Require.notNull(connection, "connection");
    Require.nonNegative(retention, "retention");
    String pruned = pruned().sql();
    String sql =
        "WITH d AS (DELETE FROM "
            + outbox.sql()
            + " WHERE created_at < now() - make_interval(secs => ?)"
            + " AND txid < pg_snapshot_xmin(pg_current_snapshot()) RETURNING txid, id),"
            + " m AS (SELECT txid, id FROM d ORDER BY txid DESC, id DESC LIMIT 1),"
            + " w AS (INSERT INTO "
            + pruned
            + " AS p (singleton, txid, id)"
            + " SELECT true, txid, id FROM m"
            + " ON CONFLICT (singleton) DO UPDATE SET txid = excluded.txid, id = excluded.id,"
            + " pruned_at = now() WHERE (p.txid, p.id) < (excluded.txid, excluded.id))"
            + " SELECT count(*) FROM d";
    try (PreparedStatement delete = connection.prepareStatement(sql)) {
      delete.setDouble(1, retention.toNanos() / 1e9);
      try (ResultSet rs = delete.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Override
  public String toString() {
    return "PgOutbox[outbox=" + outbox + ", positions=" + positions + ", channel=" + channel + "]";
  }

  QualifiedName outboxName() {
    return outbox;
  }

  QualifiedName positionName() {
    return positions;
  }

  QualifiedName pruned() {
    return outbox.sibling("_pruned");
  }

  private QualifiedName notifyFunction() {
    return outbox.sibling("_notify");
  }

  private QualifiedName captureFunction() {
    return outbox.sibling("_capture");
  }

  /**
   * Readable and unique per (cache, column): a sanitised prefix plus a checksum of the exact text.
   */
  static String triggerName(String cacheName, String keyColumn) {
    CRC32 crc = new CRC32();
    crc.update((cacheName + "\u0000" + keyColumn).getBytes(StandardCharsets.UTF_8));
    String readable = cacheName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (readable.length() > 40) {
      readable = readable.substring(0, 40);
    }
    return "larder_inv_" + readable + "_" + String.format(Locale.ROOT, "%08x", crc.getValue());
  }

  private static void requireTransaction(Connection connection) throws SQLException {
    if (connection.getAutoCommit()) {
      throw new IllegalStateException(
          "connection must be in a transaction (auto-commit off) so the invalidation commits with"
              + " the data, but auto-commit was on");
    }
  }

  private static void requireText(@Nullable String value, String field) {
    String present = Require.notNull(value, field);
    if (present.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank but was '" + present + "'");
    }
  }

  private static void inTransaction(Connection connection, List<String> statements)
      throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  /**
   * Builds a {@link PgOutbox} with non-default names. Each setting may be given once.
   *
   * <p>Not thread-safe: configure and build it on one thread.
   */
  public static final class Builder {
    private @Nullable QualifiedName outbox;
    private @Nullable QualifiedName positions;
    private @Nullable String channel;

    private Builder() {}

    /**
     * The outbox table.
     *
     * @param table {@code name} or {@code schema.name}, each part matching {@code
     *     [a-z_][a-z0-9_]*}, the name at most 48 characters (derived names append suffixes)
     * @return this builder
     * @throws IllegalArgumentException if the name does not match
     * @throws IllegalStateException if already set
     */
    public Builder outboxTable(String table) {
      Require.notYetSet(outbox, "outboxTable");
      outbox = QualifiedName.parse(table, "outboxTable", MAX_OUTBOX_NAME);
      return this;
    }

    /**
     * The table of persisted consumer positions.
     *
     * @param table {@code name} or {@code schema.name}, each part matching {@code [a-z_][a-z0-9_]*}
     * @return this builder
     * @throws IllegalArgumentException if the name does not match
     * @throws IllegalStateException if already set
     */
    public Builder positionTable(String table) {
      Require.notYetSet(positions, "positionTable");
      positions = QualifiedName.parse(table, "positionTable", 63);
      return this;
    }

    /**
     * The NOTIFY channel (one per outbox; several outboxes in one database need distinct channels).
     *
     * @param channel an identifier matching {@code [a-z_][a-z0-9_]{0,62}}
     * @return this builder
     * @throws IllegalArgumentException if the name does not match
     * @throws IllegalStateException if already set
     */
    public Builder channel(String channel) {
      Require.notYetSet(this.channel, "channel");
      this.channel = SqlNames.identifier(channel, "channel");
      return this;
    }

    /**
     * Builds the outbox description; nothing touches the database.
     *
     * @return the outbox
     * @throws IllegalArgumentException if the position table is the outbox table
     */
    public PgOutbox build() {
      QualifiedName o =
          outbox != null ? outbox : QualifiedName.parse(DEFAULT_OUTBOX_TABLE, "outboxTable", 48);
      QualifiedName p =
          positions != null
              ? positions
              : QualifiedName.parse(DEFAULT_POSITION_TABLE, "positionTable", 63);
      if (o.equals(p) || o.sibling("_pruned").equals(p)) {
        throw new IllegalArgumentException(
            "positionTable must differ from the outbox tables but was '" + p + "'");
      }
      return new PgOutbox(o, p, channel != null ? channel : DEFAULT_CHANNEL);
    }
  }
}
