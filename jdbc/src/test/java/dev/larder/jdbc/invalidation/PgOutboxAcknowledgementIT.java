package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import dev.larder.core.InvalidationSource;
import dev.larder.core.LarderException;
import dev.larder.testkit.InvalidationRecorder;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A listener that throws has not applied the event (larder-cache throws when the invalidation could
 * not reach Redis): the outbox source must not acknowledge it. Against the testkit's real
 * PostgreSQL primary, through both delivery paths (the settled pass, and the eager pass that runs
 * while an older transaction holds the xmin back), with the position kept in memory and in the
 * position table: every refused row is delivered once the listener applies again, none is lost, and
 * the stored position never passes a refused row.
 */
@LarderTest
class PgOutboxAcknowledgementIT {
  private static final Duration DELIVERY = Duration.ofSeconds(30);
  private static final String CACHE = "products";
  private static final PgOutbox OUTBOX = PgOutbox.defaults();
  private static final AtomicLong KEYS = new AtomicLong(1_000);
  private static final AtomicLong RUN = new AtomicLong();

  private static PostgresServer pg;
  private static DataSource ds;
  private static String db;

  private final List<InvalidationSource> sources = new ArrayList<>();

  @BeforeAll
  static void setUp() throws SQLException {
    pg = LarderServices.postgres().primary();
    db = LarderServices.postgres().createDatabase("pgoutbox_ack");
    ds = pg.dataSource(db);
    OUTBOX.install(ds);
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE product (id bigint PRIMARY KEY, name text NOT NULL)");
      OUTBOX.installCaptureTrigger(c, "product", "id", CACHE);
    }
  }

  @AfterEach
  void closeSources() {
    sources.forEach(InvalidationSource::close);
  }

  /**
   * The settled pass delivers rows below the xmin; while an older transaction holds the xmin back,
   * only the eager pass can, so {@code eager} keeps one open until the refused rows were applied.
   */
  @ParameterizedTest(name = "eager={0}, persistPosition={1}")
  @CsvSource({"false, true", "false, false", "true, true", "true, false"})
  void refusedRowsAreRedeliveredUntilAppliedAndTheStoredPositionNeverPassesThem(
      boolean eager, boolean persist) throws Exception {
    String consumer =
        "ack-" + (eager ? "eager-" : "settled-") + persist + "-" + RUN.incrementAndGet();
    Refusing listener = new Refusing();
    InvalidationSource source = start(consumer, persist, listener);
    List<String> keys;
    try (Connection holder = holder(eager)) {
      listener.refuse.set(true);
      keys = insertEach(5);
      String firstRefused = positionOf(keys.get(0));
      await().atMost(DELIVERY).until(() -> listener.refusals.get() >= 3);
      if (persist) {
        assertThat(storedIsBefore(consumer, firstRefused))
            .as(
                "stored position %s is before the first refused row %s",
                stored(consumer), firstRefused)
            .isTrue();
      }
      assertThat(listener.applied.keys()).doesNotContainAnyElementsOf(qualified(keys));

      listener.refuse.set(false);
      // With eager, still inside the holder's transaction: only an eager redelivery can bring them.
      awaitKeys(listener.applied, keys);
      holder.rollback();
    }
    if (persist) {
      String last = positionOf(keys.get(keys.size() - 1));
      await().atMost(DELIVERY).until(() -> !storedIsBefore(consumer, last));
    }
    assertThat(source.awaitReady(Duration.ZERO)).isTrue();
  }

  @ParameterizedTest(name = "eager={0}")
  @ValueSource(booleans = {true, false})
  void rowsRefusedWhenTheProcessStopsAreReplayedByItsSuccessorFromTheStoredPosition(boolean eager)
      throws Exception {
    String consumer = "ack-restart-" + eager + "-" + RUN.incrementAndGet();
    Refusing listener = new Refusing();
    InvalidationSource before = start(consumer, true, listener);
    List<String> keys;
    try (Connection holder = holder(eager)) {
      listener.refuse.set(true);
      keys = insertEach(5);
      await().atMost(DELIVERY).until(() -> listener.refusals.get() >= 2);
      before.close();
      holder.rollback();
    }

    InvalidationRecorder successor = new InvalidationRecorder();
    track(source(consumer, true)).subscribe(successor);
    awaitKeys(successor, keys);
    assertThat(listener.applied.keys()).doesNotContainAnyElementsOf(qualified(keys));
  }

  @ParameterizedTest(name = "persistPosition={0}")
  @ValueSource(booleans = {true, false})
  void refusedPruneGapIsReportedAgainUntilHandledAndThePositionWaitsForIt(boolean persist)
      throws Exception {
    String consumer = "ack-gap-" + persist + "-" + RUN.incrementAndGet();
    Refusing listener = new Refusing();
    InvalidationSource source = start(consumer, persist, listener);
    String storedBefore = persist ? stored(consumer) : null;
    int gapsAtStart = listener.applied.gaps().size();

    listener.refuse.set(true);
    List<String> keys = insertEach(3);
    await().atMost(DELIVERY).until(() -> listener.refusals.get() >= 1);
    try (Connection c = ds.getConnection()) {
      // The refused rows disappear before the consumer applied them: only a gap can cover them.
      assertThat(OUTBOX.prune(c, Duration.ZERO)).isPositive();
    }
    int refusalsAtPrune = listener.refusals.get();
    await().atMost(DELIVERY).until(() -> listener.refusals.get() >= refusalsAtPrune + 2);
    if (persist) {
      assertThat(stored(consumer))
          .as("stored position while the gap is refused")
          .isEqualTo(storedBefore);
    }
    assertThat(listener.applied.gaps()).hasSize(gapsAtStart);

    listener.refuse.set(false);
    await()
        .atMost(DELIVERY)
        .until(() -> listener.applied.gaps().stream().anyMatch(g -> g.contains("pruned")));
    assertThat(listener.applied.keys()).doesNotContainAnyElementsOf(qualified(keys));
    List<String> after = insertEach(1);
    awaitKeys(listener.applied, after);
    assertThat(source.awaitReady(Duration.ZERO)).isTrue();
  }

  // ---- helpers

  /**
   * Records what it applied; while {@link #refuse} is set it throws instead, like a cache whose
   * Redis is down.
   */
  private static final class Refusing implements InvalidationListener {
    final InvalidationRecorder applied = new InvalidationRecorder();
    final AtomicBoolean refuse = new AtomicBoolean();
    final AtomicInteger refusals = new AtomicInteger();

    @Override
    public void onInvalidation(InvalidationEvent event) {
      refuseIfAsked();
      applied.onInvalidation(event);
    }

    @Override
    public void onGap(String reason) {
      refuseIfAsked();
      applied.onGap(reason);
    }

    private void refuseIfAsked() {
      if (refuse.get()) {
        refusals.incrementAndGet();
        throw new LarderException("could not reach Redis (test)");
      }
    }
  }

  /**
   * A connection in a transaction; with {@code holdXmin} the transaction has an id, so every row
   * committed after it stays above the xmin (only the eager pass delivers it) until it ends.
   */
  private static Connection holder(boolean holdXmin) throws SQLException {
    Connection c = ds.getConnection();
    c.setAutoCommit(false);
    if (holdXmin) {
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_current_xact_id()");
      }
    }
    return c;
  }

  private InvalidationSource start(String consumer, boolean persist, Refusing listener)
      throws InterruptedException, SQLException {
    InvalidationSource source = track(source(consumer, persist));
    source.subscribe(listener);
    assertThat(source.awaitReady(DELIVERY)).isTrue();
    // Read once end to end, so the test starts from a source that demonstrably delivers.
    awaitKeys(listener.applied, insertEach(1));
    return source;
  }

  private InvalidationSource source(String consumer, boolean persist) {
    return PgOutboxSource.builder()
        .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
        .consumerName(consumer)
        .persistPosition(persist)
        .pollInterval(Duration.ofMillis(200))
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .build();
  }

  private InvalidationSource track(InvalidationSource source) {
    sources.add(source);
    return source;
  }

  private static List<String> insertEach(int n) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (Connection c = ds.getConnection();
        PreparedStatement s =
            c.prepareStatement("INSERT INTO product (id, name) VALUES (?, 'x')")) {
      for (int i = 0; i < n; i++) {
        long key = KEYS.incrementAndGet();
        s.setLong(1, key);
        s.executeUpdate();
        keys.add(Long.toString(key));
      }
    }
    return keys;
  }

  /** The outbox row of a key as {@code txid:id}. */
  private static String positionOf(String key) throws SQLException {
    return one(
        "SELECT txid::text || ':' || id FROM larder_invalidation_outbox WHERE cache_key = '"
            + key
            + "'");
  }

  private static String stored(String consumer) throws SQLException {
    return one(
        "SELECT coalesce((SELECT txid::text || ':' || id FROM larder_invalidation_position"
            + " WHERE consumer = '"
            + consumer
            + "'), 'none')");
  }

  /** Whether the consumer's stored position is before a row's (or nothing is stored). */
  private static boolean storedIsBefore(String consumer, String position) throws SQLException {
    String[] p = position.split(":");
    return "t"
        .equals(
            one(
                "SELECT CASE WHEN coalesce((SELECT (txid, id) < (CAST('"
                    + p[0]
                    + "' AS xid8), "
                    + p[1]
                    + ") FROM larder_invalidation_position WHERE consumer = '"
                    + consumer
                    + "'), true) THEN 't' ELSE 'f' END"));
  }

  private static String one(String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static List<String> qualified(List<String> keys) {
    return keys.stream().map(k -> CACHE + "/" + k).toList();
  }

  private static void awaitKeys(InvalidationRecorder rec, List<String> keys) {
    String[] q = qualified(keys).toArray(String[]::new);
    await()
        .atMost(DELIVERY)
        .untilAsserted(() -> assertThat(rec.keys()).as(Arrays.toString(q)).contains(q));
  }
}
