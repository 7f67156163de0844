package dev.larder.jdbc.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationSource;
import dev.larder.testkit.InvalidationRecorder;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL outbox source against the testkit's real PostgreSQL primary (zonky 17 in the
 * embedded tier, the Debian 15 image in the docker tier).
 */
@LarderTest
class PgOutboxSourceIT {
  private static final Logger LOG = LoggerFactory.getLogger(PgOutboxSourceIT.class);
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  private static final String CACHE = "products";

  private static PostgresServer pg;
  private static String db;
  private static DataSource ds;
  private static final PgOutbox OUTBOX = PgOutbox.defaults();
  private static final AtomicLong SENTINEL = new AtomicLong(900_000);
  private static final AtomicLong WRITER_KEYS = new AtomicLong(1_000_000);
  private static final AtomicLong RUN = new AtomicLong();

  private final List<InvalidationSource> sources = new ArrayList<>();

  @BeforeAll
  static void setUp() throws SQLException {
    PostgresCluster cluster = LarderServices.postgres();
    pg = cluster.primary();
    db = cluster.createDatabase("pgoutbox");
    ds = pg.dataSource(db);
    OUTBOX.install(ds);
    try (Connection c = ds.getConnection()) {
      exec(c, "CREATE TABLE product (id bigint PRIMARY KEY, name text NOT NULL)");
      exec(c, "INSERT INTO product SELECT g, 'p' || g FROM generate_series(1, 100) g");
      OUTBOX.installCaptureTrigger(c, "product", "id", CACHE);
      exec(c, "CREATE TABLE scratch (code text PRIMARY KEY)");
      OUTBOX.installCaptureTrigger(c, "public.scratch", "code", "scratch");
    }
    LOG.info("PostgreSQL outbox tests on tier {} ({})", LarderServices.tier(), pg.jdbcUrl(db));
  }

  @AfterEach
  void closeSources() {
    sources.forEach(InvalidationSource::close);
  }

  @Test
  void deliversAnUpdateOnlyAfterItsTransactionCommits() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("commit", false), rec);

    try (Connection held = ds.getConnection()) {
      held.setAutoCommit(false);
      update(held, 1);
      // A later change committed by someone else arrives: the source is reading, and still has not
      // seen the held one.
      try (Connection other = ds.getConnection()) {
        update(other, 2);
      }
      awaitKeys(rec, "2");
      assertThat(rec.keys()).doesNotContain(CACHE + "/1");

      held.commit();
    }
    awaitKeys(rec, "1");
  }

  @Test
  void rolledBackTransactionPublishesNothing() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("rollback", false), rec);

    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      update(c, 3);
      c.rollback();
      c.setAutoCommit(true);
      update(c, 4);
    }
    awaitKeys(rec, "4");
    assertThat(rec.keys()).doesNotContain(CACHE + "/3");
    assertThat(count("SELECT count(*) FROM larder_invalidation_outbox WHERE cache_key = '3'"))
        .isZero();
  }

  @Test
  void lowerIdCommittedAfterAHigherOneIsStillDelivered() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("out-of-order-live", false), rec);

    try (Connection slow = ds.getConnection()) {
      slow.setAutoCommit(false);
      update(slow, 10);
      long slowId = ownOutboxId(slow);
      long fastId;
      try (Connection fast = ds.getConnection()) {
        fast.setAutoCommit(false);
        update(fast, 11);
        fastId = ownOutboxId(fast);
        fast.commit();
      }
      assertThat(slowId).isLessThan(fastId);
      awaitKeys(rec, "11");
      slow.commit();
    }
    awaitKeys(rec, "10");
  }

  @Test
  void positionPersistedPastAHigherIdStillReplaysALowerIdCommittedWhileStopped()
      throws SQLException {
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("out-of-order-restart", true), first);

    try (Connection slow = ds.getConnection()) {
      slow.setAutoCommit(false);
      update(slow, 12);
      try (Connection fast = ds.getConnection()) {
        update(fast, 13);
      }
      awaitKeys(first, "13");
      before.close();
      slow.commit();
    }
    assertThat(first.keys()).doesNotContain(CACHE + "/12");

    InvalidationRecorder second = new InvalidationRecorder();
    start(source("out-of-order-restart", true), second);
    awaitKeys(second, "12");
    assertThat(second.gaps()).isEmpty();
  }

  @Test
  void concurrentWritersCommittingOutOfIdOrderMissNothing() throws Exception {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("concurrent", true), rec);
    // The same writes through batches of two rows: every read hits its LIMIT, so a batch that
    // ended anywhere but at the true (txid, id) order would move the cursor past unread rows.
    InvalidationRecorder small = new InvalidationRecorder();
    start(
        track(
            PgOutboxSource.builder()
                .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
                .consumerName("concurrent-batch-2")
                .persistPosition(true)
                .batchSize(2)
                .pollInterval(Duration.ofMillis(500))
                .build()),
        small);
    int writers = 4;
    int perWriter = 25;
    AtomicInteger commitOrder = new AtomicInteger();
    List<long[]> idAndCommit = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    for (int i = 0; i < perWriter; i++) {
                      long key = 20_000 + writer * 1_000L + i;
                      insert(c, key);
                      long id = ownOutboxId(c);
                      // Server-side jitter between taking the id and committing makes commits
                      // overtake each other's ids.
                      exec(c, "SELECT pg_sleep(" + ((key * 7) % 13) / 1000.0 + ")");
                      c.commit();
                      idAndCommit.add(new long[] {id, commitOrder.incrementAndGet()});
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    String[] expected =
        IntStream.range(0, writers)
            .boxed()
            .flatMap(
                w -> IntStream.range(0, perWriter).mapToObj(i -> "" + (20_000 + w * 1_000 + i)))
            .toArray(String[]::new);
    awaitKeys(rec, expected);
    awaitKeys(small, expected);
    assertOnlyTheStartGap(rec);
    assertOnlyTheStartGap(small);
    LOG.info(
        "concurrent writers: {} commits, {} committed after a higher outbox id had committed",
        idAndCommit.size(),
        inversions(idAndCommit));
  }

  @Test
  void restartedSourceReplaysEveryChangeMadeWhileItWasStopped() throws SQLException {
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("restart", true), first);
    before.close();

    List<String> missed = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      for (long key = 30; key < 50; key++) {
        update(c, key);
        missed.add("" + key);
      }
    }
    InvalidationRecorder second = new InvalidationRecorder();
    start(source("restart", true), second);
    awaitKeys(second, missed.toArray(String[]::new));
    assertThat(second.gaps()).isEmpty();
  }

  /**
   * Defect 9 of issue 15: with the old default (position in memory only) a new process started at
   * the current end, so rows committed while no consumer ran were never read, while Redis kept the
   * values they invalidate. The default now stores the position: a full restart replays them.
   */
  @Test
  void fullRestartWithTheDefaultSettingsReplaysWhatWasCommittedWhileNoConsumerRan()
      throws Exception {
    String consumer = "defaults-" + RUN.incrementAndGet();
    InvalidationSource first = track(defaults(consumer));
    ready(first);
    first.close();

    List<String> whileStopped = insertKeys(110, 115);
    InvalidationRecorder second = ready(track(defaults(consumer)));
    awaitKeys(second, whileStopped.toArray(String[]::new));
    assertThat(second.gaps()).as("resumed from its stored position: nothing to report").isEmpty();
  }

  @Test
  void consumerKeepingItsPositionInMemoryReportsAGapAtEveryStartBeforeItIsReady() throws Exception {
    String consumer = "in-memory-" + RUN.incrementAndGet();
    InvalidationSource first = source(consumer, false);
    assertThat(ready(first).gaps())
        .as("reported before ready")
        .singleElement()
        .asString()
        .contains("no stored position");
    first.close();
    insertKeys(115, 116);

    // The change made while no consumer ran cannot be replayed; the gap covers it.
    assertThat(ready(source(consumer, false)).gaps())
        .singleElement()
        .asString()
        .contains("no stored position");
    assertThat(
            count(
                "SELECT count(*) FROM larder_invalidation_position WHERE consumer = '"
                    + consumer
                    + "'"))
        .isZero();
  }

  @Test
  void brandNewConsumerStoresNoPositionUntilItsStartGapWasHandled() throws Exception {
    String consumer = "new-refused-" + RUN.incrementAndGet();
    java.util.concurrent.atomic.AtomicInteger refusals =
        new java.util.concurrent.atomic.AtomicInteger();
    InvalidationRecorder applied = new InvalidationRecorder();
    List<Boolean> storedWhileRefused = new java.util.concurrent.CopyOnWriteArrayList<>();
    InvalidationSource source =
        track(
            PgOutboxSource.builder()
                .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
                .consumerName(consumer)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(100))
                .build());
    source.subscribe(
        new dev.larder.core.InvalidationListener() {
          @Override
          public void onInvalidation(InvalidationEvent event) {
            applied.onInvalidation(event);
          }

          @Override
          public void onGap(String reason) {
            if (refusals.incrementAndGet() <= 3) {
              storedWhileRefused.add(storedPositions().contains(consumer + "="));
              throw new dev.larder.core.LarderException("could not reach Redis (test)");
            }
            applied.onGap(reason);
          }
        });
    assertThat(source.awaitReady(DELIVERY)).isTrue();
    assertThat(refusals.get()).isEqualTo(4);
    assertThat(storedWhileRefused)
        .as("a position stored while the start gap was refused")
        .containsOnly(false);
    assertThat(applied.gaps()).singleElement().asString().contains("no stored position");
    await().atMost(DELIVERY).until(() -> storedPositions().contains(consumer + "="));
  }

  @Test
  void listenerStoppedWhileWritesGoOnThenRestartedGetsEveryWrite() throws Exception {
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("mid-write-" + RUN.incrementAndGet(), true), first);
    List<String> written = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Keys whose insert began after close() had returned: the first reader's thread was gone.
    List<String> afterClose = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> writer =
          pool.submit(
              () -> {
                try (Connection c = ds.getConnection()) {
                  for (long key = WRITER_KEYS.getAndAdd(100_000); !stop.get(); key++) {
                    boolean late = closed.get();
                    insert(c, key);
                    written.add("" + key);
                    if (late) {
                      afterClose.add("" + key);
                    }
                  }
                }
                return null;
              });
      await().atMost(DELIVERY).until(() -> written.size() >= 5);
      before.close();
      closed.set(true);
      await().atMost(DELIVERY).until(() -> afterClose.size() >= 10);
      stop.set(true);
      writer.get();

      InvalidationRecorder second = new InvalidationRecorder();
      start(source("mid-write-" + RUN.get(), true), second);
      // Only a replay from the persisted position can deliver what was written after the stop.
      awaitKeys(second, afterClose.toArray(String[]::new));
      for (String key : written) {
        assertThat(
                first.keys().contains(CACHE + "/" + key)
                    || second.keys().contains(CACHE + "/" + key))
            .as(
                () ->
                    "key "
                        + key
                        + " delivered to one of the two listeners; newest outbox rows"
                        + " (txid,id,key): "
                        + outboxRows()
                        + "; first got "
                        + first.keys()
                        + "; second got "
                        + second.keys()
                        + "; stored positions: "
                        + storedPositions())
            .isTrue();
      }
      assertThat(first.keys())
          .doesNotContainAnyElementsOf(afterClose.stream().map(k -> CACHE + "/" + k).toList());
      assertThat(second.gaps()).isEmpty();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  /**
   * Transaction ids are read as text; the reader once sorted its batches by that text, so with a
   * batch limit the rows of txids 9990..9999 came after 10000.. and the cursor jumped past them:
   * lost invalidations whenever the database's txids crossed a power of ten with rows pending.
   */
  @Test
  void rowsWhoseTxidsCrossAPowerOfTenAreAllDeliveredInTransactionOrder() throws Exception {
    PgOutbox digits =
        PgOutbox.builder()
            .outboxTable("digits_outbox")
            .positionTable("digits_position")
            .channel("digits_invalidation")
            .build();
    digits.install(ds);
    long boundary;
    List<String> expected = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      long xmin;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")) {
        rs.next();
        xmin = Long.parseLong(rs.getString(1));
      }
      boundary = 10;
      while (boundary * 10 + 20 < xmin) {
        boundary *= 10;
      }
      assertThat(boundary + 20).as("a settled power of ten below xmin %s", xmin).isLessThan(xmin);
      // Rows of already-ended transactions on both sides of the boundary, ids in txid order: what
      // any database shows once its txids pass 10^n while a consumer is behind.
      for (long txid = boundary - 10; txid < boundary + 10; txid++) {
        try (PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO digits_outbox (txid, cache_name, cache_key)"
                    + " VALUES (CAST(? AS xid8), 'digits', ?)")) {
          s.setString(1, Long.toString(txid));
          s.setString(2, "k" + txid);
          s.executeUpdate();
        }
        expected.add("k" + txid);
      }
      exec(
          c,
          "INSERT INTO digits_position (consumer, txid, id) VALUES ('digits', '"
              + (boundary - 11)
              + "', 0)");
    }
    long b = boundary;
    InvalidationRecorder rec = new InvalidationRecorder();
    track(
            PgOutboxSource.builder()
                .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
                .outbox(digits)
                .consumerName("digits")
                .persistPosition(true)
                .batchSize(3)
                .build())
        .subscribe(rec);
    await()
        .atMost(DELIVERY)
        .untilAsserted(
            () ->
                assertThat(rec.keys())
                    .as("boundary %s", b)
                    .containsAll(expected.stream().map(k -> "digits/" + k).toList()));
    List<String> order = rec.events().stream().flatMap(e -> e.keys().stream()).toList();
    assertThat(order).as("delivery order across the boundary %s", boundary).isEqualTo(expected);
    assertThat(rec.gaps()).isEmpty();
  }

  @Test
  void changeCommittedRightAfterAwaitReadyReachesABrandNewConsumer() throws Exception {
    // A consumer without a stored position starts at the database's present: awaitReady alone
    // (no sentinel dance) must close the window between subscribe and that start, every time.
    try (Connection c = ds.getConnection()) {
      for (int i = 0; i < 5; i++) {
        InvalidationRecorder rec = new InvalidationRecorder();
        InvalidationSource source = source("ready-" + i, false);
        source.subscribe(rec);
        assertThat(source.awaitReady(DELIVERY)).as("consumer %s ready", i).isTrue();
        long key = 60_000 + i;
        insert(c, key);
        awaitKeys(rec, "" + key);
        source.close();
        assertThat(source.awaitReady(Duration.ZERO)).as("closed consumer %s", i).isFalse();
      }
    }
  }

  @Test
  void primaryStoppedAndStartedSourceReconnectsAndReplaysWritesMadeMeanwhile() throws Exception {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source =
        track(
            PgOutboxSource.builder()
                .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
                .consumerName("primary-restart")
                .pollInterval(Duration.ofMillis(500))
                .reconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1))
                .build());
    start(source, rec);
    int pidBefore = backendPid("larder:pg-outbox:primary-restart").orElseThrow();
    pg.stop();
    try {
      await().atMost(DELIVERY).until(() -> !pg.isRunning());
    } finally {
      pg.start();
    }
    List<String> written = new ArrayList<>();
    // Written as soon as the primary is back, typically before the source has reconnected.
    try (Connection c = ds.getConnection()) {
      for (long key = 85; key < 95; key++) {
        update(c, key);
        written.add("" + key);
      }
    }
    awaitKeys(rec, written.toArray(String[]::new));
    assertThat(backendPid("larder:pg-outbox:primary-restart"))
        .isPresent()
        .get()
        .isNotEqualTo(pidBefore);
    assertOnlyTheStartGap(rec);
  }

  @Test
  void killedListenConnectionReconnectsAndReplaysFromItsPosition() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source =
        track(
            PgOutboxSource.builder()
                .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
                .consumerName("killed")
                .reconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1))
                .build());
    start(source, rec);
    int pidBefore = backendPid("larder:pg-outbox:killed").orElseThrow();

    List<String> written = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      exec(c, "SELECT pg_terminate_backend(" + pidBefore + ")");
      for (long key = 50; key < 70; key++) {
        update(c, key);
        written.add("" + key);
      }
    }
    awaitKeys(rec, written.toArray(String[]::new));
    assertThat(backendPid("larder:pg-outbox:killed")).isPresent().get().isNotEqualTo(pidBefore);
    assertOnlyTheStartGap(rec);
  }

  @Test
  void consumerWhosePositionWasPrunedIsToldOfTheGapAndContinues() throws SQLException {
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("pruned", true), first);
    before.close();
    try (Connection c = ds.getConnection()) {
      for (long key = 70; key < 75; key++) {
        update(c, key);
      }
      assertThat(OUTBOX.prune(c, Duration.ZERO)).isPositive();
    }

    InvalidationRecorder second = new InvalidationRecorder();
    start(source("pruned", true), second);
    await().atMost(DELIVERY).until(() -> !second.gaps().isEmpty());
    assertThat(second.gaps().get(0)).contains("pruned");
    try (Connection c = ds.getConnection()) {
      update(c, 75);
    }
    awaitKeys(second, "75");
  }

  @Test
  void callerRecordedInvalidationsAndTruncateArriveAsKeysAndWholeCache() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source =
        track(PgOutboxSource.builder().dataSource(ds).consumerName("recorded").build());
    start(source, rec);

    try (Connection c = ds.getConnection()) {
      assertThatThrownBy(() -> OUTBOX.record(c, "orders", List.of("a")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("auto-commit");
      c.setAutoCommit(false);
      OUTBOX.record(c, "orders", List.of("o-1", "o-2"));
      OUTBOX.recordAll(c, "summaries");
      c.commit();
      c.setAutoCommit(true);
      exec(c, "TRUNCATE scratch");
    }
    await()
        .atMost(DELIVERY)
        .untilAsserted(
            () -> {
              assertThat(rec.keys()).contains("orders/o-1", "orders/o-2");
              assertThat(rec.events())
                  .filteredOn(InvalidationEvent::all)
                  .extracting(InvalidationEvent::cacheName)
                  .contains("summaries", "scratch");
            });
    assertThat(rec.events()).allSatisfy(e -> assertThat(e.position()).isNotNull());
  }

  @Test
  void captureTriggerRejectsAColumnTheTableDoesNotHave() throws SQLException {
    try (Connection c = ds.getConnection()) {
      assertThatThrownBy(() -> OUTBOX.installCaptureTrigger(c, "product", "sku", CACHE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("keyColumn must be a column of table product but was 'sku'");
    }
  }

  @Test
  void closeStopsTheListenerAndReleasesItsConnection() throws SQLException {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source = start(source("closing", false), rec);
    assertThat(backendPid("larder:pg-outbox:closing")).isPresent();

    source.close();

    await().atMost(DELIVERY).until(() -> backendPid("larder:pg-outbox:closing").isEmpty());
    assertThatThrownBy(() -> source.subscribe(rec))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .doesNotContain("larder-pg-outbox:closing");
  }

  @Test
  void recordsCommitToDeliveryLatency() throws Exception {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("latency", false), rec);
    int n = 200;
    long[] latencies = new long[n];
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      for (int i = 0; i < n; i++) {
        long key = 80 + (i % 20);
        String k = "" + key;
        rec.forget(CACHE, k);
        update(c, key);
        long beforeCommit = System.nanoTime();
        c.commit();
        await()
            .atMost(DELIVERY)
            .pollInterval(Duration.ofMillis(2))
            .until(() -> rec.firstArrivalNanos(CACHE, k).isPresent());
        latencies[i] = rec.firstArrivalNanos(CACHE, k).getAsLong() - beforeCommit;
      }
    }
    assertThat(java.util.Arrays.stream(latencies).min().orElseThrow()).isPositive();
    long[] sorted = latencies.clone();
    java.util.Arrays.sort(sorted);
    String line =
        String.format(
            "pg-outbox commit->delivery latency over %d commits (tier %s, PostgreSQL %s): p50 %.2f"
                + " ms, p99 %.2f ms, max %.2f ms",
            n,
            LarderServices.tier(),
            serverVersion(),
            sorted[n / 2] / 1e6,
            sorted[(int) Math.ceil(n * 0.99) - 1] / 1e6,
            sorted[n - 1] / 1e6);
    LOG.info(line);
    Path out = Path.of("target", "invalidation-latency-pg.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, line + System.lineSeparator());
  }

  // ---- helpers

  private InvalidationSource source(String consumer, boolean persist) {
    return track(
        PgOutboxSource.builder()
            .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
            .consumerName(consumer)
            .persistPosition(persist)
            .pollInterval(Duration.ofMillis(500))
            .build());
  }

  /** Subscribes a new recorder, waits until the source reads, and returns the recorder. */
  private static InvalidationRecorder ready(InvalidationSource source) throws InterruptedException {
    InvalidationRecorder rec = new InvalidationRecorder();
    source.subscribe(rec);
    assertThat(source.awaitReady(DELIVERY)).as("%s ready", source).isTrue();
    return rec;
  }

  /** Inserts products {@code from} (inclusive) to {@code to} (exclusive) in their own commits. */
  private static List<String> insertKeys(long from, long to) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (Connection c = ds.getConnection()) {
      for (long key = from; key < to; key++) {
        insert(c, key);
        keys.add("" + key);
      }
    }
    return keys;
  }

  /** A source built with nothing but the connection and a consumer name. */
  private static InvalidationSource defaults(String consumer) {
    return PgOutboxSource.builder()
        .jdbcUrl(pg.jdbcUrl(db), pg.username(), pg.password())
        .consumerName(consumer)
        .build();
  }

  private InvalidationSource track(InvalidationSource source) {
    sources.add(source);
    return source;
  }

  /**
   * Subscribes and waits until the source demonstrably reads: a fresh consumer starts at the
   * current end, so sentinel changes are written until one arrives.
   */
  private static InvalidationSource start(InvalidationSource source, InvalidationRecorder rec) {
    source.subscribe(rec);
    List<String> sentinels = new java.util.concurrent.CopyOnWriteArrayList<>();
    await()
        .atMost(DELIVERY)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              long key = SENTINEL.incrementAndGet();
              try (Connection c = ds.getConnection()) {
                insert(c, key);
              }
              sentinels.add(CACHE + "/" + key);
              return sentinels.stream().anyMatch(rec.keys()::contains);
            });
    return source;
  }

  /** For failure messages: the outbox rows of the product cache, in id order. */
  private static String outboxRows() {
    return queryRows(
        "SELECT txid::text || ',' || id || ',' || cache_key FROM larder_invalidation_outbox"
            + " ORDER BY id DESC LIMIT 60");
  }

  /** For failure messages: every consumer's stored position. */
  private static String storedPositions() {
    return queryRows(
        "SELECT consumer || '=' || txid::text || ':' || id FROM larder_invalidation_position");
  }

  private static String queryRows(String sql) {
    List<String> rows = new java.util.ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    } catch (SQLException e) {
      return "(query failed: " + e.getMessage() + ")";
    }
    return rows.toString();
  }

  /** A consumer without a stored position reports one gap at its start; nothing else may. */
  private static void assertOnlyTheStartGap(InvalidationRecorder rec) {
    assertThat(rec.gaps())
        .hasSizeLessThanOrEqualTo(1)
        .allSatisfy(g -> assertThat(g).contains("no stored position"));
  }

  private static void awaitKeys(InvalidationRecorder rec, String... keys) {
    String[] qualified =
        java.util.Arrays.stream(keys).map(k -> CACHE + "/" + k).toArray(String[]::new);
    await().atMost(DELIVERY).untilAsserted(() -> assertThat(rec.keys()).contains(qualified));
  }

  private static void update(Connection c, long id) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("UPDATE product SET name = name || '+' WHERE id = ?")) {
      s.setLong(1, id);
      assertThat(s.executeUpdate()).isEqualTo(1);
    }
  }

  private static void insert(Connection c, long id) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("INSERT INTO product (id, name) VALUES (?, 'new')")) {
      s.setLong(1, id);
      s.executeUpdate();
    }
  }

  private static long ownOutboxId(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT max(id) FROM larder_invalidation_outbox WHERE txid = pg_current_xact_id()")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Optional<Integer> backendPid(String applicationName) throws SQLException {
    try (Connection c = ds.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?")) {
      s.setString(1, applicationName);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
      }
    }
  }

  private static String dump(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out.toString();
  }

  private static String serverVersion() throws SQLException {
    try (Connection c = ds.getConnection()) {
      return c.getMetaData().getDatabaseProductVersion();
    }
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long inversions(List<long[]> idAndCommit) {
    List<long[]> byCommit = new ArrayList<>(idAndCommit);
    byCommit.sort((a, b) -> Long.compare(a[1], b[1]));
    long maxId = Long.MIN_VALUE;
    long inversions = 0;
    for (long[] e : byCommit) {
      if (e[0] < maxId) {
        inversions++;
      }
      maxId = Math.max(maxId, e[0]);
    }
    return inversions;
  }
}
