package dev.larder.mongo.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.larder.core.InvalidationEvent;
import dev.larder.core.InvalidationListener;
import dev.larder.core.InvalidationSource;
import dev.larder.testkit.InvalidationRecorder;
import dev.larder.testkit.LarderServices;
import dev.larder.testkit.LarderTest;
import dev.larder.testkit.MongoFeature;
import dev.larder.testkit.MongoServer;
import dev.larder.testkit.RequiresMongo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change-stream source against the testkit's MongoDB. In CI (both tiers) that is the in-process
 * mongo-java-server stand-in: it has change streams with resume tokens, but its update events carry
 * the update spec in {@code documentKey} instead of {@code {_id}}, so these tests turn on {@code
 * fullDocumentLookup} (on a real server they pass without it too). What the stand-in cannot do at
 * all (history lost, invalidate after a drop, database-wide streams, post-batch tokens) is covered
 * by unit tests on driver-decoded events. The acknowledgement tests (a listener that refuses an
 * event or a gap: redelivered from the last acknowledged token, the stored token never passing it)
 * rest on the stand-in's resume tokens and {@code resumeAfter} in CI.
 */
@LarderTest
@RequiresMongo(MongoFeature.CHANGE_STREAMS)
class ChangeStreamSourceIT {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeStreamSourceIT.class);
  private static final Duration DELIVERY = Duration.ofSeconds(20);
  private static final String CACHE = "products";
  private static final AtomicLong SENTINEL = new AtomicLong(900_000);

  private static MongoServer mongo;
  private static MongoClient client;
  private static MongoDatabase db;
  private static MongoCollection<Document> products;

  private final List<InvalidationSource> sources = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    mongo = LarderServices.mongo();
    // Short server selection so a stopped server fails the stream quickly and it reopens.
    client = MongoClients.create(mongo.connectionString() + "?serverSelectionTimeoutMS=2000");
    db = client.getDatabase(mongo.uniqueDatabaseName("csinval"));
    products = db.getCollection("products");
    List<Document> seed = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      seed.add(new Document("_id", i).append("name", "p" + i).append("v", 0));
    }
    products.insertMany(seed);
    LOG.info("MongoDB change-stream tests on {} ({})", mongo.flavour(), LarderServices.tier());
  }

  @AfterAll
  static void tearDown() {
    client.close();
  }

  @AfterEach
  void closeSources() {
    sources.forEach(InvalidationSource::close);
  }

  @Test
  void insertUpdateReplaceAndDeleteEachInvalidateTheirDocumentsKey() {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(source("crud", null), rec);

    products.insertOne(new Document("_id", 201).append("name", "new"));
    products.updateOne(Filters.eq("_id", 1), Updates.inc("v", 1));
    products.replaceOne(Filters.eq("_id", 2), new Document("_id", 2).append("name", "replaced"));
    products.deleteOne(Filters.eq("_id", 3));

    awaitKeys(rec, "201", "1", "2", "3");
    assertThat(rec.events())
        .allSatisfy(
            e -> {
              assertThat(e.all()).isFalse();
              assertThat(e.position()).isNotBlank();
              assertThat(e.origin()).isEqualTo("mongo-change-stream:crud");
            });
    assertOnlyTheStartGap(rec);
  }

  @Test
  void changeWrittenRightAfterAwaitReadyReachesABrandNewStream() throws InterruptedException {
    // No sentinel dance: awaitReady alone must close the window between subscribe and the
    // stream's opening, for several fresh streams in a row.
    for (int i = 0; i < 5; i++) {
      InvalidationRecorder rec = new InvalidationRecorder();
      InvalidationSource source = source("ready-" + i, null);
      source.subscribe(rec);
      assertThat(source.awaitReady(DELIVERY)).as("stream %s ready", i).isTrue();
      long id = 70_000 + i;
      products.insertOne(new Document("_id", id).append("name", "right after ready"));
      awaitKeys(rec, "" + id);
      source.close();
      assertThat(source.awaitReady(Duration.ZERO)).as("closed stream %s", i).isFalse();
    }
  }

  @Test
  void restartedSourceResumesFromItsStoredTokenAndMissesNothing() {
    MongoCollection<Document> tokens = db.getCollection("larder_resume_tokens");
    ResumeTokenStore store = ResumeTokenStore.collection(tokens);
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("restart", store), first);
    assertThat(store.load("restart")).isPresent();
    before.close();

    List<String> missed = new ArrayList<>();
    for (int id = 10; id < 30; id++) {
      products.updateOne(Filters.eq("_id", id), Updates.inc("v", 1));
      missed.add("" + id);
    }
    assertThat(first.keys()).doesNotContain(CACHE + "/10");

    InvalidationRecorder second = new InvalidationRecorder();
    InvalidationSource after = track(source("restart", ResumeTokenStore.collection(tokens)));
    after.subscribe(second);
    awaitKeys(second, missed.toArray(String[]::new));
    assertThat(second.gaps()).isEmpty();
    // Resumed after the token, not from the start of the oplog: the seed inserts are not replayed.
    assertThat(second.keys()).doesNotContain(CACHE + "/100");
  }

  /**
   * Defect 9 of issue 15, applied to MongoDB: a stream without a stored token (the default, no
   * token store) starts at the current end, so what changed while no reader ran is not replayed; it
   * must say so with a gap before it is ready, at every such start. On the stand-in.
   */
  @Test
  void streamWithoutAStoredTokenReportsAGapAtEveryStartBeforeItIsReady() throws Exception {
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = source("no-store", null);
    before.subscribe(first);
    assertThat(before.awaitReady(DELIVERY)).isTrue();
    assertThat(first.gaps())
        .as("reported before ready")
        .singleElement()
        .asString()
        .contains("no stored resume token");
    before.close();
    products.updateOne(Filters.eq("_id", 75), Updates.inc("v", 1));

    InvalidationRecorder second = new InvalidationRecorder();
    InvalidationSource after = source("no-store", null);
    after.subscribe(second);
    assertThat(after.awaitReady(DELIVERY)).isTrue();
    // The update made while no reader ran cannot be replayed: the gap covers it.
    assertThat(second.gaps()).singleElement().asString().contains("no stored resume token");
  }

  @Test
  void listenerStoppedDuringWritesThenRestartedGetsEveryWrite() throws Exception {
    ResumeTokenStore store = ResumeTokenStore.inMemory();
    InvalidationRecorder first = new InvalidationRecorder();
    InvalidationSource before = start(source("mid-write", store), first);
    List<String> written = new CopyOnWriteArrayList<>();
    // Keys whose insert began after close() had returned: the first reader's thread was gone.
    List<String> afterClose = new CopyOnWriteArrayList<>();
    AtomicBoolean closed = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              for (int id = 5_000; !stop.get(); id++) {
                boolean late = closed.get();
                products.insertOne(new Document("_id", id).append("name", "mid-write"));
                written.add("" + id);
                if (late) {
                  afterClose.add("" + id);
                }
              }
            });
    writer.start();
    try {
      await().atMost(DELIVERY).until(() -> written.size() >= 5);
      before.close();
      closed.set(true);
      await().atMost(DELIVERY).until(() -> afterClose.size() >= 10);
      stop.set(true);
      writer.join();

      InvalidationRecorder second = new InvalidationRecorder();
      track(source("mid-write", store)).subscribe(second);
      // Only a stream resumed from the stored token can deliver what was written after the stop.
      awaitKeys(second, afterClose.toArray(String[]::new));
      for (String id : written) {
        assertThat(
                first.keys().contains(CACHE + "/" + id) || second.keys().contains(CACHE + "/" + id))
            .as("key %s delivered to one of the two listeners", id)
            .isTrue();
      }
      assertThat(first.keys())
          .doesNotContainAnyElementsOf(afterClose.stream().map(id -> CACHE + "/" + id).toList());
      assertThat(second.gaps()).isEmpty();
    } finally {
      stop.set(true);
      writer.join();
    }
  }

  @Test
  void streamSurvivesAServerStopAndStartAndReplaysWritesMadeBeforeItReopened() {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source =
        track(
            ChangeStreamSource.builder()
                .collection(products, ChangeMapper.idAsKey(CACHE))
                .consumerName("server-restart")
                .fullDocumentLookup(true)
                .maxAwaitTime(Duration.ofMillis(200))
                .reconnectBackoff(Duration.ofMillis(500), Duration.ofSeconds(2))
                .build());
    start(source, rec);
    ChangeStreamReader reader = (ChangeStreamReader) source;
    mongo.stop();
    try {
      // Down long enough that the driver's own single resume attempt fails too and the source
      // has to reopen the stream itself from its token.
      await().atMost(DELIVERY).until(() -> reader.streamFailures() >= 1);
    } finally {
      mongo.start();
    }
    List<String> written = new ArrayList<>();
    // Written right after the restart, most likely while the source still waits to reopen.
    for (int id = 60; id < 70; id++) {
      products.updateOne(Filters.eq("_id", id), Updates.inc("v", 1));
      written.add("" + id);
    }
    awaitKeys(rec, written.toArray(String[]::new));
    assertOnlyTheStartGap(rec);
  }

  /**
   * A stream that fails before it had a token cannot replay what changed until it reopens: it owes
   * a gap, reported once it is open again (so the gap covers the outage), and again while a
   * listener refuses it. On the stand-in (no post-batch token before the first event); a real
   * server has a token at once and reports nothing.
   */
  @ParameterizedTest(name = "gap refused {0} time(s)")
  @ValueSource(ints = {0, 2})
  void outageBeforeTheStreamHasATokenIsReportedAsAGapOnceReopenedAndAfterItIsReplayed(
      int refusals) {
    RefusingFirst listener = new RefusingFirst();
    InvalidationSource source =
        track(
            ChangeStreamSource.builder()
                .collection(products, ChangeMapper.idAsKey(CACHE))
                .consumerName("tokenless-outage-" + refusals)
                .fullDocumentLookup(true)
                .maxAwaitTime(Duration.ofMillis(200))
                .reconnectBackoff(Duration.ofMillis(300), Duration.ofSeconds(1))
                .build());
    ChangeStreamReader reader = (ChangeStreamReader) source;
    source.subscribe(listener);
    await().atMost(DELIVERY).until(() -> reader.streamOpens() >= 1);
    // No write yet: a real server has handed out a post-batch token, the stand-in has none.
    boolean hadToken = reader.hasToken();
    LOG.info(
        "stream opened on {} {} a resume token before its first event",
        mongo.flavour(),
        hadToken ? "with" : "without");
    listener.refuseNext(refusals);
    mongo.stop();
    try {
      await().atMost(DELIVERY).until(() -> reader.streamFailures() >= 1);
    } finally {
      mongo.start();
    }
    // Reopened (after any refused gaps): only now is a change sure to be read, not just covered.
    await().atMost(DELIVERY).until(() -> reader.streamOpens() >= 2);
    String id = "" + (73 + refusals);
    products.updateOne(Filters.eq("_id", 73 + refusals), Updates.inc("v", 1));
    awaitKeys(listener.applied, id);
    List<String> outageGaps =
        listener.applied.gaps().stream()
            .filter(g -> !g.contains("no stored resume token"))
            .toList();
    if (hadToken) {
      assertThat(outageGaps).isEmpty();
    } else {
      assertThat(outageGaps).singleElement().asString().contains("before it had a resume token");
      assertThat(listener.refusals.get()).isEqualTo(refusals);
    }
  }

  @Test
  void refusedChangesAreRedeliveredUntilAppliedAndTheStoredTokenNeverPassesThem() {
    ResumeTokenStore store = ResumeTokenStore.inMemory();
    RefusingFirst listener = new RefusingFirst();
    InvalidationSource source = start(source("refused", store), listener, listener.applied);

    listener.refuseNext(3);
    List<String> written = new ArrayList<>();
    for (int id = 40; id < 45; id++) {
      products.updateOne(Filters.eq("_id", id), Updates.inc("v", 1));
      written.add("" + id);
    }
    // Every change arrives in the end, the refused one included: it was re-read from the token.
    awaitKeys(listener.applied, written.toArray(String[]::new));
    assertThat(listener.refusals.get()).isEqualTo(3);

    // A listener that keeps refusing: the stored token must stay before the refused change, so a
    // successor (another process resuming from the store) replays it.
    listener.refuseNext(Integer.MAX_VALUE);
    products.updateOne(Filters.eq("_id", 45), Updates.inc("v", 1));
    await().atMost(DELIVERY).until(() -> listener.refusals.get() >= 5);
    source.close();
    assertThat(listener.applied.keys()).doesNotContain(CACHE + "/45");

    InvalidationRecorder successor = new InvalidationRecorder();
    track(source("refused", store)).subscribe(successor);
    awaitKeys(successor, "45");
  }

  @Test
  void collectionTokenStoreSavesReplacesAndClearsPerConsumer() {
    ResumeTokenStore store = ResumeTokenStore.collection(db.getCollection("larder_tokens_crud"));
    assertThat(store.load("a")).isEmpty();
    store.save("a", BsonDocument.parse("{_data: '01'}"));
    store.save("a", BsonDocument.parse("{_data: '02'}"));
    store.save("b", BsonDocument.parse("{_data: '03'}"));
    assertThat(store.load("a")).contains(BsonDocument.parse("{_data: '02'}"));
    assertThat(db.getCollection("larder_tokens_crud").countDocuments()).isEqualTo(2);
    store.clear("a");
    assertThat(store.load("a")).isEmpty();
    assertThat(store.load("b")).isPresent();
  }

  @Test
  void closeStopsTheReaderThread() {
    InvalidationRecorder rec = new InvalidationRecorder();
    InvalidationSource source = start(source("closing", null), rec);
    source.close();
    assertThat(((ChangeStreamReader) source).stopped()).isTrue();
    int before = rec.events().size();
    products.updateOne(Filters.eq("_id", 72), Updates.inc("v", 1));
    // Nothing can arrive any more: the thread is gone (checked above), so no wait is needed.
    assertThat(rec.events()).hasSize(before);
  }

  @Test
  void recordsWriteToDeliveryLatency() throws Exception {
    InvalidationRecorder rec = new InvalidationRecorder();
    start(
        track(
            ChangeStreamSource.builder()
                .collection(products, ChangeMapper.idAsKey(CACHE))
                .consumerName("latency")
                .fullDocumentLookup(true)
                .build()),
        rec);
    int n = 200;
    long[] latencies = new long[n];
    for (int i = 0; i < n; i++) {
      int id = 80 + (i % 20);
      String k = "" + id;
      rec.forget(CACHE, k);
      long before = System.nanoTime();
      products.updateOne(Filters.eq("_id", id), Updates.inc("v", 1));
      await()
          .atMost(DELIVERY)
          .pollInterval(Duration.ofMillis(1))
          .until(() -> rec.firstArrivalNanos(CACHE, k).isPresent());
      latencies[i] = rec.firstArrivalNanos(CACHE, k).getAsLong() - before;
    }
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    assertThat(sorted[0]).isPositive();
    String line =
        String.format(
            "mongo change-stream write->delivery latency over %d updates (%s, tier %s): p50 %.2f ms,"
                + " p99 %.2f ms, max %.2f ms",
            n,
            mongo.flavour(),
            LarderServices.tier(),
            sorted[n / 2] / 1e6,
            sorted[(int) Math.ceil(n * 0.99) - 1] / 1e6,
            sorted[n - 1] / 1e6);
    LOG.info(line);
    Path out = Path.of("target", "invalidation-latency-mongo.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, line + System.lineSeparator());
  }

  // ---- helpers

  private InvalidationSource source(String consumer, ResumeTokenStore store) {
    ChangeStreamSource.Builder b =
        ChangeStreamSource.builder()
            .collection(products, ChangeMapper.idAsKey(CACHE))
            .consumerName(consumer)
            .fullDocumentLookup(true)
            .maxAwaitTime(Duration.ofMillis(200));
    if (store != null) {
      b.tokenStore(store);
    }
    return track(b.build());
  }

  private InvalidationSource track(InvalidationSource source) {
    sources.add(source);
    return source;
  }

  /**
   * Subscribes and waits until the stream demonstrably reads: a fresh stream starts at the current
   * end, so sentinel inserts are written until one arrives (which also gives it a resume token).
   */
  private static InvalidationSource start(InvalidationSource source, InvalidationRecorder rec) {
    return start(source, rec, rec);
  }

  /** Subscribes {@code listener} and waits until {@code rec} (what it applied) shows a sentinel. */
  private static InvalidationSource start(
      InvalidationSource source, InvalidationListener listener, InvalidationRecorder rec) {
    source.subscribe(listener);
    List<String> sentinels = new CopyOnWriteArrayList<>();
    await()
        .atMost(DELIVERY)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              long id = SENTINEL.incrementAndGet();
              products.insertOne(new Document("_id", id).append("name", "sentinel"));
              sentinels.add(CACHE + "/" + id);
              return sentinels.stream().anyMatch(rec.keys()::contains);
            });
    return source;
  }

  /** A stream without a stored token reports one gap at its start; nothing else may. */
  private static void assertOnlyTheStartGap(InvalidationRecorder rec) {
    assertThat(rec.gaps())
        .hasSizeLessThanOrEqualTo(1)
        .allSatisfy(g -> assertThat(g).contains("no stored resume token"));
  }

  private static void awaitKeys(InvalidationRecorder rec, String... keys) {
    String[] qualified = Arrays.stream(keys).map(k -> CACHE + "/" + k).toArray(String[]::new);
    await().atMost(DELIVERY).untilAsserted(() -> assertThat(rec.keys()).contains(qualified));
  }

  /**
   * Applies what it gets, except that it refuses (throws, like a cache whose Redis is down) the
   * next {@code n} calls after {@link #refuseNext(int)}.
   */
  private static final class RefusingFirst implements InvalidationListener {
    final InvalidationRecorder applied = new InvalidationRecorder();
    final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger toRefuse = new AtomicInteger();

    void refuseNext(int n) {
      toRefuse.set(n);
    }

    @Override
    public void onInvalidation(InvalidationEvent event) {
      refuseIfDue();
      applied.onInvalidation(event);
    }

    @Override
    public void onGap(String reason) {
      refuseIfDue();
      applied.onGap(reason);
    }

    private void refuseIfDue() {
      if (toRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        refusals.incrementAndGet();
        throw new dev.larder.core.LarderException("could not reach Redis (test)");
      }
    }
  }
}
