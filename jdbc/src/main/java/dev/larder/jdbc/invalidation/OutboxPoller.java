package dev.larder.jdbc.invalidation;

import dev.larder.core.AbstractInvalidationSource;
import dev.larder.core.ReconnectBackoff;
import dev.larder.core.TimeSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox reader behind {@link PgOutboxSource}: one background thread, one dedicated connection
 * used for LISTEN and for the reads.
 *
 * <h2>Why row ids alone are not a position</h2>
 *
 * A {@code bigserial} id is taken when a row is inserted, not when its transaction commits, so a
 * transaction holding id 9 can commit after one holding id 10 was read. A reader that moved its
 * position to 10 would never see 9. This reader keeps its position as {@code (txid, id)} and only
 * moves it over rows whose transaction id is below {@code pg_snapshot_xmin(pg_current_snapshot())}:
 * the oldest transaction still running. Every transaction below that id has ended, and every
 * transaction that writes later gets a larger id, so no row can ever appear behind the position
 * (the <em>settled</em> pass, exact, and the only thing persisted).
 *
 * <p>Waiting for the xmin alone would hold every invalidation back behind the oldest running writer
 * (a long batch job, a session idle in transaction). So a second, <em>eager</em> pass delivers
 * committed rows above the xmin at once, ordered by id, and remembers their ids; the settled pass
 * skips them later. Eager delivery is an optimisation for latency, never needed for completeness: a
 * row it misses (committed out of id order) is delivered by the settled pass as soon as its
 * transaction is below the xmin. After a restart the eager memory is empty, so a few rows can be
 * delivered twice: delivery is at least once.
 */
final class OutboxPoller extends AbstractInvalidationSource {
  private static final Logger log = LoggerFactory.getLogger(PgOutboxSource.class);

  /** Upper bound on eagerly delivered ids remembered; beyond it only the settled pass runs. */
  static final int MAX_EAGER_TRACKED = 50_000;

  /** close() aborts the connection, so the reader ends within one statement; this is a backstop. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** Opens the dedicated connection. */
  @FunctionalInterface
  interface ConnectionFactory {
    Connection open() throws SQLException;
  }

  private final String consumer;
  private final PgOutbox outbox;
  private final ConnectionFactory connections;
  private final boolean persist;
  private final Duration pollInterval;
  private final int batchSize;
  private final @Nullable Duration retention;
  private final Duration pruneInterval;
  private final TimeSource time;

  private final String settledSql;
  private final String eagerSql;
  private final String watermarkSql;
  private final String loadPositionSql;
  private final String savePositionSql;

  private volatile @Nullable Connection current;

  /** The reader's position as last acknowledged, for diagnosis and tests. */
  private volatile @Nullable OutboxCursor acknowledged;

  // Owned by the poller thread.
  private @Nullable OutboxCursor cursor;
  private @Nullable OutboxCursor persisted;

  /**
   * Set when the first connect found no stored position; cleared once the start gap was handled.
   */
  private boolean startGapOwed;

  private long eagerFloor;
  private final Set<Long> eagerDelivered = new HashSet<>();
  private boolean eagerPaused;
  private long nextPruneAt;

  OutboxPoller(
      String consumer,
      PgOutbox outbox,
      ConnectionFactory connections,
      boolean persist,
      Duration pollInterval,
      int batchSize,
      @Nullable Duration retention,
      Duration pruneInterval,
      ReconnectBackoff backoff,
      TimeSource time) {
    super("pg-outbox:" + consumer, backoff, CLOSE_TIMEOUT, log);
    this.consumer = consumer;
    this.outbox = outbox;
    this.connections = connections;
    this.persist = persist;
    this.pollInterval = pollInterval;
    this.batchSize = batchSize;
    this.retention = retention;
    this.pruneInterval = pruneInterval;
    this.time = time;
    String o = outbox.outboxName().sql();
    // The txid goes out as text (JDBC has no unsigned 64-bit type) under its own alias, and every
    // condition and ORDER BY names the table's columns through the alias "o": an unqualified
    // ORDER BY txid would bind to the text output column and sort "10000" before "9999", and a
    // LIMITed batch would then move the cursor past rows it never read.
    String columns =
        "SELECT o.id, o.txid::text AS txid_text, o.cache_name, o.cache_key, o.created_at FROM "
            + o
            + " AS o";
    this.settledSql =
        columns
            + " WHERE (o.txid, o.id) > (CAST(? AS xid8), ?)"
            + " AND o.txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY o.txid, o.id LIMIT ?";
    this.eagerSql =
        columns
            + " WHERE o.id > ? AND o.txid >= pg_snapshot_xmin(pg_current_snapshot())"
            + " ORDER BY o.id LIMIT ?";
    this.watermarkSql = "SELECT txid::text, id FROM " + outbox.pruned().sql();
    String p = outbox.positionName().sql();
    this.loadPositionSql = "SELECT txid::text, id FROM " + p + " WHERE consumer = ?";
    this.savePositionSql =
        "INSERT INTO "
            + p
            + " (consumer, txid, id, updated_at) VALUES (?, CAST(? AS xid8), ?, now())"
            + " ON CONFLICT (consumer) DO UPDATE"
            + " SET txid = excluded.txid, id = excluded.id, updated_at = now()";
  }

  @Override
  protected void wakeUp() {
    Connection connection = current;
    if (connection != null) {
      // getNotifications blocks in a socket read while holding the connection's lock; abort closes
      // the socket without that lock, so the poller wakes at once instead of after pollInterval.
      try {
        connection.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        log.debug("{}: abort on close failed", name(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "PgOutboxSource[" + name() + ", outbox=" + outbox.outboxTable() + "]";
  }

  @Override
  protected String resumePoint() {
    return "position " + cursor;
  }

  /** The position the reader acknowledged last (null before its first connect); any thread. */
  @Nullable OutboxCursor position() {
    return acknowledged;
  }

  private void publishPosition() {
    acknowledged = cursor;
  }

  @Override
  protected void runSession() throws SQLException {
    Connection connection = connections.open();
    current = connection;
    try {
      if (isClosed()) {
        return;
      }
      prepare(connection);
      resume(connection);
      int failures = connected();
      if (failures > 0) {
        log.info(
            "{}: reconnected after {} failed attempt(s), replaying from {}",
            name(),
            failures,
            cursor);
      } else if (refusalStreak() > 0) {
        log.debug("{}: re-reading from {} to deliver what a listener refused", name(), cursor);
      } else {
        log.info("{}: listening on channel {} from position {}", name(), outbox.channel(), cursor);
      }
      PGConnection pg = connection.unwrap(PGConnection.class);
      int waitMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, pollInterval.toMillis()));
      while (!isClosed()) {
        drain(connection);
        maybePrune(connection);
        // The doorbell: returns on NOTIFY (delivered only on commit) or after pollInterval, the
        // safety net for a notification lost while disconnected.
        pg.getNotifications(waitMillis);
      }
    } finally {
      closeQuietly(connection);
      current = null;
    }
  }

  @Override
  protected void sessionFailed(Exception failure, int failedAttempts, Duration retryIn) {
    log.warn(
        "{}: connection failed ({}{}), reconnecting in {} ms and replaying from {}",
        name(),
        failure.getClass().getSimpleName(),
        failure instanceof SQLException s && s.getSQLState() != null
            ? ", SQLState " + s.getSQLState()
            : "",
        retryIn.toMillis(),
        cursor);
  }

  private void prepare(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    try (PreparedStatement set =
        connection.prepareStatement("SELECT set_config('application_name', ?, false)")) {
      set.setString(1, "larder:" + name());
      set.executeQuery().close();
    }
    try (Statement listen = connection.createStatement()) {
      listen.execute("LISTEN " + SqlNames.quote(outbox.channel()));
    }
  }

  /**
   * Establishes the position at the first connect, and checks it still makes sense at every one.
   */
  private void resume(Connection connection) throws SQLException {
    if (cursor == null) {
      OutboxCursor stored = persist ? loadPosition(connection) : null;
      if (stored != null) {
        cursor = stored;
        persisted = stored;
      } else {
        cursor = startCursor(connection);
        startGapOwed = true;
      }
      eagerFloor = maxId(connection);
      nextPruneAt = time.nanoTime();
      publishPosition();
    }
    if (startGapOwed) {
      // Nothing says what was committed before this position while no consumer of this name
      // ran (a first start, or persistPosition off), yet a shared L2 may still hold values those
      // changes invalidated. The position is fixed first, so the gap covers everything before it;
      // it is stored only once the gap was handled, so a restart meanwhile reports it again.
      gap(
          "consumer '"
              + consumer
              + "' has no stored position ("
              + (persist ? "its first start" : "persistPosition is off")
              + "): changes committed before "
              + cursor
              + " while no consumer of this name ran cannot be"
              + " replayed");
      startGapOwed = false;
      if (persist) {
        savePosition(connection);
      }
    }
    long xmax = querySingleLong(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text");
    OutboxCursor at = Objects.requireNonNull(cursor);
    if (Long.compareUnsigned(at.txid(), xmax) > 0) {
      // A position from the future: the database was restored or the outbox recreated.
      resetAfterGap(
          connection,
          "position "
              + at
              + " is ahead of the database's transactions (next "
              + xmax
              + "); the database was restored or replaced");
    }
  }

  /**
   * Moves to the current end after a loss. The new position is fixed before the gap is reported (a
   * change committed in between is then read, not lost) and taken only once the gap was handled: a
   * refused gap leaves the old position, so the next session finds the loss again.
   */
  private void resetAfterGap(Connection connection, String reason) throws SQLException {
    OutboxCursor restart = startCursor(connection);
    long floor = maxId(connection);
    gap(reason);
    cursor = restart;
    eagerDelivered.clear();
    eagerPaused = false;
    eagerFloor = floor;
    publishPosition();
    if (persist) {
      savePosition(connection);
    }
  }

  private void drain(Connection connection) throws SQLException {
    OutboxCursor before = Objects.requireNonNull(cursor);
    List<OutboxRow> rows;
    do {
      rows = read(connection, settledSql, Objects.requireNonNull(cursor), 0);
      deliverSettled(rows);
    } while (rows.size() == batchSize && !isClosed());

    OutboxCursor watermark = readWatermark(connection);
    if (watermark != null && watermark.compareTo(before) > 0) {
      OutboxCursor past = Objects.requireNonNull(cursor).max(watermark);
      gap(
          "outbox rows after position "
              + before
              + " were pruned (up to "
              + watermark
              + ") before this consumer read them");
      cursor = past;
      eagerDelivered.clear();
      publishPosition();
    }

    if (eagerDelivered.isEmpty()) {
      eagerPaused = false;
    }
    if (!eagerPaused) {
      do {
        rows = read(connection, eagerSql, null, eagerFloor);
        deliverEager(rows);
        if (eagerDelivered.size() >= MAX_EAGER_TRACKED) {
          eagerPaused = true;
          log.warn(
              "{}: {} rows wait behind a long-running transaction; delivering in settled order"
                  + " only until it ends",
              name(),
              eagerDelivered.size());
        }
      } while (rows.size() == batchSize && !eagerPaused && !isClosed());
    }

    if (persist && !Objects.equals(cursor, persisted)) {
      savePosition(connection);
    }
  }

  /**
   * The settled pass over one batch: rows the eager pass already delivered are skipped, the others
   * are delivered event by event, and the position moves past an event only once it was applied. A
   * refused event ends the session with the position just before it.
   */
  private void deliverSettled(List<OutboxRow> rows) {
    List<OutboxRow> fresh = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      if (!eagerDelivered.contains(row.cursor().id())) {
        fresh.add(row);
      }
    }
    try {
      for (EventBatcher.Batch batch : EventBatcher.batches(fresh, name())) {
        deliver(batch.event());
        cursor = batch.last();
        publishPosition();
      }
      if (!rows.isEmpty()) {
        // Rows after the last fresh one were delivered (and applied) by the eager pass.
        cursor = rows.get(rows.size() - 1).cursor();
        publishPosition();
      }
    } finally {
      // Eager ids at or behind the position are settled now; the settled pass never reads them
      // again.
      OutboxCursor at = Objects.requireNonNull(cursor);
      for (OutboxRow row : rows) {
        if (row.cursor().compareTo(at) <= 0) {
          eagerDelivered.remove(row.cursor().id());
        }
      }
    }
  }

  /**
   * The eager pass over one batch of committed rows above the xmin: a row counts as eagerly
   * delivered (so the settled pass skips it later) only once its event was applied, and the eager
   * floor moves past the batch only when all of it was; a refused event is read again next time.
   */
  private void deliverEager(List<OutboxRow> rows) {
    List<OutboxRow> fresh = new ArrayList<>(rows.size());
    for (OutboxRow row : rows) {
      if (row.cursor().compareTo(Objects.requireNonNull(cursor)) > 0
          && !eagerDelivered.contains(row.cursor().id())) {
        fresh.add(row);
      }
    }
    for (EventBatcher.Batch batch : EventBatcher.batches(fresh, name())) {
      deliver(batch.event());
      for (OutboxRow row : batch.rows()) {
        eagerDelivered.add(row.cursor().id());
      }
    }
    for (OutboxRow row : rows) {
      eagerFloor = Math.max(eagerFloor, row.cursor().id());
    }
  }

  private void maybePrune(Connection connection) throws SQLException {
    Duration keep = retention;
    if (keep == null || time.nanoTime() - nextPruneAt < 0) {
      return;
    }
    nextPruneAt = time.nanoTime() + pruneInterval.toNanos();
    long deleted = outbox.prune(connection, keep);
    if (deleted > 0) {
      log.debug("{}: pruned {} outbox rows older than {}", name(), deleted, keep);
    }
  }

  private List<OutboxRow> read(
      Connection connection, String sql, @Nullable OutboxCursor after, long afterId)
      throws SQLException {
    List<OutboxRow> rows = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      int i = 1;
      if (after != null) {
        select.setString(i++, Long.toUnsignedString(after.txid()));
        select.setLong(i++, after.id());
      } else {
        select.setLong(i++, afterId);
      }
      select.setInt(i, batchSize);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new OutboxRow(
                  new OutboxCursor(Long.parseUnsignedLong(rs.getString(2)), rs.getLong(1)),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getTimestamp(5).toInstant()));
        }
      }
    }
    return rows;
  }

  private OutboxCursor startCursor(Connection connection) throws SQLException {
    long xmin = querySingleLong(connection, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text");
    return new OutboxCursor(xmin, 0);
  }

  private long maxId(Connection connection) throws SQLException {
    return querySingleLong(
        connection, "SELECT coalesce(max(id), 0)::text FROM " + outbox.outboxName().sql());
  }

  private @Nullable OutboxCursor readWatermark(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(watermarkSql)) {
      return rs.next()
          ? new OutboxCursor(Long.parseUnsignedLong(rs.getString(1)), rs.getLong(2))
          : null;
    }
  }

  private @Nullable OutboxCursor loadPosition(Connection connection) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(loadPositionSql)) {
      s.setString(1, consumer);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next()
            ? new OutboxCursor(Long.parseUnsignedLong(rs.getString(1)), rs.getLong(2))
            : null;
      }
    }
  }

  private void savePosition(Connection connection) throws SQLException {
    OutboxCursor at = Objects.requireNonNull(cursor);
    try (PreparedStatement s = connection.prepareStatement(savePositionSql)) {
      s.setString(1, consumer);
      s.setString(2, Long.toUnsignedString(at.txid()));
      s.setLong(3, at.id());
      s.executeUpdate();
    }
    persisted = at;
  }

  private static long querySingleLong(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return Long.parseUnsignedLong(rs.getString(1));
    }
  }

  private void closeQuietly(@Nullable Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      if (!connection.isClosed()) {
        try (Statement s = connection.createStatement()) {
          // A pooled connection goes back without our subscription.
          s.execute("UNLISTEN *");
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.debug("{}: UNLISTEN before close failed", name(), e);
    }
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      log.debug("{}: close failed", name(), e);
    }
  }
}
