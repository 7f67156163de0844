package dev.larder.jdbc.invalidation;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import dev.larder.core.InvalidationSource;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox reader behind {@link PgOutboxSource}: one background thread, one dedicated
 * connection used for LISTEN and for the reads.
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
 * <p>Waiting for the xmin alone would hold every invalidation back behind the oldest running
 * writer (a long batch job, a session idle in transaction). So a second, <em>eager</em> pass
 * delivers committed rows above the xmin at once, ordered by id, and remembers their ids; the
 * settled pass skips them later. Eager delivery is an optimisation for latency, never needed for
 * completeness: a row it misses (committed out of id order) is delivered by the settled pass as
 * soon as its transaction is below the xmin. After a restart the eager memory is empty, so a few
 * rows can be delivered twice: delivery is at least once.
 */
final class OutboxPoller implements InvalidationSource {
  private static final Logger log = LoggerFactory.getLogger(PgOutboxSource.class);
  /** Upper bound on eagerly delivered ids remembered; beyond it only the settled pass runs. */
  static final int MAX_EAGER_TRACKED = 50_000;

  /** Opens the dedicated connection. */
  @FunctionalInterface
  interface ConnectionFactory {
    Connection open() throws SQLException;
  }

  private final String name;
  private final String consumer;
  private final PgOutbox outbox;
  private final ConnectionFactory connections;
  private final boolean persist;
  private final Duration pollInterval;
  private final int batchSize;
  private final @Nullable Duration retention;
  private final Duration pruneInterval;
  private final Backoff backoff;
  private final TimeSource time;

  private final String settledSql;
  private final String eagerSql;
  private final String watermarkSql;
  private final String loadPositionSql;
  private final String savePositionSql;

  private final CopyOnWriteArrayList<InvalidationListener> listeners =
      new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch closeSignal = new CountDownLatch(1);
  private final Thread thread;
  private volatile @Nullable Connection current;

  // Owned by the poller thread.
  private @Nullable OutboxCursor cursor;
  private @Nullable OutboxCursor persisted;
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
      Backoff backoff,
      TimeSource time) {
    this.name = "pg-outbox:" + consumer;
    this.consumer = consumer;
    this.outbox = outbox;
    this.connections = connections;
    this.persist = persist;
    this.pollInterval = pollInterval;
    this.batchSize = batchSize;
    this.retention = retention;
    this.pruneInterval = pruneInterval;
    this.backoff = backoff;
    this.time = time;
    String o = outbox.outboxName().sql();
    String columns = "SELECT id, txid::text, cache_name, cache_key, created_at FROM " + o;
    this.settledSql =
        columns
            + " WHERE (txid, id) > (CAST(? AS xid8), ?)"
            + " AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT ?";
    this.eagerSql =
        columns
            + " WHERE id > ? AND txid >= pg_snapshot_xmin(pg_current_snapshot())"
            + " ORDER BY id LIMIT ?";
    this.watermarkSql = "SELECT txid::text, id FROM " + outbox.pruned().sql();
    String p = outbox.positionName().sql();
    this.loadPositionSql = "SELECT txid::text, id FROM " + p + " WHERE consumer = ?";
    this.savePositionSql =
        "INSERT INTO " + p + " (consumer, txid, id, updated_at) VALUES (?, CAST(? AS xid8), ?, now())"
            + " ON CONFLICT (consumer) DO UPDATE"
            + " SET txid = excluded.txid, id = excluded.id, updated_at = now()";
    this.thread = new Thread(this::run, "larder-" + name);
    this.thread.setDaemon(true);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener must not be null");
    if (closed.get()) {
      throw new IllegalStateException("source " + name + " is closed");
    }
    listeners.add(listener);
    if (started.compareAndSet(false, true)) {
      thread.start();
    }
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeSignal.countDown();
    Connection connection = current;
    if (connection != null) {
      // getNotifications blocks in a socket read while holding the connection's lock; abort closes
      // the socket without that lock, so the poller wakes at once instead of after pollInterval.
      try {
        connection.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        log.debug("{}: abort on close failed", name, e);
      }
    }
    if (started.get() && Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    listeners.clear();
    log.info("{}: closed", name);
  }

  @Override
  public String toString() {
    return "PgOutboxSource[" + name + ", outbox=" + outbox.outboxTable() + "]";
  }

  private void run() {
    int failures = 0;
    while (!closed.get()) {
      Connection connection = null;
      try {
        connection = connections.open();
        current = connection;
        if (closed.get()) {
          break;
        }
        prepare(connection);
        resume(connection);
        if (failures > 0) {
          log.info("{}: reconnected after {} failed attempt(s), replaying from {}", name, failures,
              cursor);
        } else {
          log.info("{}: listening on channel {} from position {}", name, outbox.channel(), cursor);
        }
        failures = 0;
        PGConnection pg = connection.unwrap(PGConnection.class);
        int waitMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, pollInterval.toMillis()));
        while (!closed.get()) {
          drain(connection);
          maybePrune(connection);
          // The doorbell: returns on NOTIFY (delivered only on commit) or after pollInterval, the
          // safety net for a notification lost while disconnected.
          pg.getNotifications(waitMillis);
        }
      } catch (SQLException | RuntimeException e) {
        if (closed.get()) {
          break;
        }
        failures++;
        Duration delay = backoff.delay(failures, b -> ThreadLocalRandom.current().nextLong(b));
        log.warn(
            "{}: connection failed ({}{}), reconnecting in {} ms and replaying from {}",
            name,
            e.getClass().getSimpleName(),
            e instanceof SQLException s && s.getSQLState() != null
                ? ", SQLState " + s.getSQLState()
                : "",
            delay.toMillis(),
            cursor);
        closeQuietly(connection);
        current = null;
        connection = null;
        try {
          if (closeSignal.await(delay.toNanos(), TimeUnit.NANOSECONDS)) {
            break;
          }
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      } finally {
        if (closed.get()) {
          closeQuietly(connection);
          current = null;
        }
      }
    }
  }

  private void prepare(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    try (PreparedStatement set =
        connection.prepareStatement("SELECT set_config('application_name', ?, false)")) {
      set.setString(1, "larder:" + name);
      set.executeQuery().close();
    }
    try (Statement listen = connection.createStatement()) {
      listen.execute("LISTEN " + SqlNames.quote(outbox.channel()));
    }
  }

  /** Establishes the position at the first connect, and checks it still makes sense at every one. */
  private void resume(Connection connection) throws SQLException {
    if (cursor == null) {
      OutboxCursor stored = persist ? loadPosition(connection) : null;
      if (stored != null) {
        cursor = stored;
        persisted = stored;
      } else {
        cursor = startCursor(connection);
        if (persist) {
          savePosition(connection);
        }
      }
      eagerFloor = maxId(connection);
      nextPruneAt = time.nanoTime();
    }
    long xmax = querySingleLong(connection, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text");
    OutboxCursor at = Objects.requireNonNull(cursor);
    if (Long.compareUnsigned(at.txid(), xmax) > 0) {
      // A position from the future: the database was restored or the outbox recreated.
      resetAfterGap(
          connection,
          "position " + at + " is ahead of the database's transactions (next " + xmax
              + "); the database was restored or replaced");
    }
  }

  private void resetAfterGap(Connection connection, String reason) throws SQLException {
    cursor = startCursor(connection);
    eagerDelivered.clear();
    eagerPaused = false;
    eagerFloor = maxId(connection);
    gap(reason);
    if (persist) {
      savePosition(connection);
    }
  }

  private void drain(Connection connection) throws SQLException {
    OutboxCursor before = Objects.requireNonNull(cursor);
    List<OutboxRow> rows;
    do {
      rows = read(connection, settledSql, Objects.requireNonNull(cursor), 0);
      List<OutboxRow> fresh = new ArrayList<>(rows.size());
      for (OutboxRow row : rows) {
        if (!eagerDelivered.remove(row.cursor().id())) {
          fresh.add(row);
        }
      }
      if (!rows.isEmpty()) {
        cursor = rows.get(rows.size() - 1).cursor();
      }
      deliver(fresh);
    } while (rows.size() == batchSize && !closed.get());

    OutboxCursor watermark = readWatermark(connection);
    if (watermark != null && watermark.compareTo(before) > 0) {
      cursor = Objects.requireNonNull(cursor).max(watermark);
      eagerDelivered.clear();
      gap(
          "outbox rows after position " + before + " were pruned (up to " + watermark
              + ") before this consumer read them");
    }

    if (eagerDelivered.isEmpty()) {
      eagerPaused = false;
    }
    if (!eagerPaused) {
      do {
        rows = read(connection, eagerSql, null, eagerFloor);
        List<OutboxRow> fresh = new ArrayList<>(rows.size());
        for (OutboxRow row : rows) {
          eagerFloor = Math.max(eagerFloor, row.cursor().id());
          if (row.cursor().compareTo(Objects.requireNonNull(cursor)) > 0
              && eagerDelivered.add(row.cursor().id())) {
            fresh.add(row);
          }
        }
        deliver(fresh);
        if (eagerDelivered.size() >= MAX_EAGER_TRACKED) {
          eagerPaused = true;
          log.warn(
              "{}: {} rows wait behind a long-running transaction; delivering in settled order"
                  + " only until it ends",
              name,
              eagerDelivered.size());
        }
      } while (rows.size() == batchSize && !eagerPaused && !closed.get());
    }

    if (persist && !Objects.equals(cursor, persisted)) {
      savePosition(connection);
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
      log.debug("{}: pruned {} outbox rows older than {}", name, deleted, keep);
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

  private void deliver(List<OutboxRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    for (InvalidationEvent event : EventBatcher.toEvents(rows, name)) {
      for (InvalidationListener listener : listeners) {
        try {
          listener.onInvalidation(event);
        } catch (RuntimeException e) {
          log.warn("{}: listener {} failed on an event; skipped", name, listener, e);
        }
      }
    }
  }

  private void gap(String reason) {
    log.warn("{}: gap: {}", name, reason);
    for (InvalidationListener listener : listeners) {
      try {
        listener.onGap(reason);
      } catch (RuntimeException e) {
        log.warn("{}: listener {} failed on a gap notice; skipped", name, listener, e);
      }
    }
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
      return rs.next() ? new OutboxCursor(Long.parseUnsignedLong(rs.getString(1)), rs.getLong(2)) : null;
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
      log.debug("{}: UNLISTEN before close failed", name, e);
    }
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      log.debug("{}: close failed", name, e);
    }
  }
}
