package dev.larder.mongo.invalidation;

import com.mongodb.MongoException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import com.mongodb.client.model.changestream.FullDocument;
import dev.larder.core.AbstractInvalidationSource;
import dev.larder.core.InvalidationEvent;
import dev.larder.core.ReconnectBackoff;
import dev.larder.core.TimeSource;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bson.BsonDocument;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change-stream reader behind {@link ChangeStreamSource}: one daemon thread, one cursor.
 *
 * <p>The resume token is the position. It is kept in memory (so a reconnect inside this process
 * resumes exactly) and, with a {@link ResumeTokenStore}, saved after each batch of events and, when
 * nothing relevant happens, at most every {@code idleSaveInterval} from the server's post-batch
 * token (so a quiet stream's saved token does not fall out of the oplog window). The token moves
 * past a change only once every listener applied its events: a refused change ends the session and
 * the stream is reopened after it with {@code resumeAfter}.
 *
 * <p>A gap is owed, not reported on the spot, when the reader loses its place (no token when the
 * stream failed, history lost): it is reported by the next session right after the stream is open
 * again, so it covers everything before the position reading continues from, and it stays owed (and
 * no token is saved) until every listener handled it.
 */
final class ChangeStreamReader extends AbstractInvalidationSource {
  private static final Logger log = LoggerFactory.getLogger(ChangeStreamSource.class);

  /** Errors after which a stream cannot resume from its token: events were lost. */
  static final Set<Integer> NOT_RESUMABLE_CODES =
      Set.of(
          286, // ChangeStreamHistoryLost: the token fell out of the oplog
          280, // ChangeStreamFatalError
          260); // InvalidResumeToken

  private final String consumer;
  private final Supplier<ChangeStreamIterable<BsonDocument>> watch;
  private final ChangeTranslator translator;
  private final @Nullable ResumeTokenStore store;
  private final boolean fullDocumentLookup;
  private final Duration maxAwaitTime;
  private final Duration idleSaveInterval;
  private final TimeSource time;

  private final AtomicLong streamFailures = new AtomicLong();
  private final AtomicLong streamOpens = new AtomicLong();
  private volatile boolean hasToken;

  // Owned by the reader thread.
  private boolean loaded;
  private @Nullable BsonDocument token;
  private @Nullable BsonDocument saved;
  private long savedAtNanos;
  private boolean afterInvalidate;

  /** A gap to report once the next stream is open; kept until every listener handled it. */
  private @Nullable String owedGap;

  ChangeStreamReader(
      String consumer,
      Supplier<ChangeStreamIterable<BsonDocument>> watch,
      ChangeTranslator translator,
      @Nullable ResumeTokenStore store,
      boolean fullDocumentLookup,
      Duration maxAwaitTime,
      Duration idleSaveInterval,
      ReconnectBackoff backoff,
      TimeSource time) {
    // The cursor belongs to the reader thread; it sees the close flag after at most one
    // maxAwaitTime, so close() waits that long plus a margin.
    super("mongo-change-stream:" + consumer, backoff, maxAwaitTime.plusSeconds(5), log);
    this.consumer = consumer;
    this.watch = watch;
    this.translator = translator;
    this.store = store;
    this.fullDocumentLookup = fullDocumentLookup;
    this.maxAwaitTime = maxAwaitTime;
    this.idleSaveInterval = idleSaveInterval;
    this.time = time;
  }

  @Override
  public String toString() {
    return "ChangeStreamSource[" + name() + "]";
  }

  /** How many times the stream failed and was reopened (for tests and diagnosis). */
  long streamFailures() {
    return streamFailures.get();
  }

  /** How many times a stream was opened (for tests and diagnosis). */
  long streamOpens() {
    return streamOpens.get();
  }

  /** Whether the reader holds a resume token, i.e. could resume exactly after a failure now. */
  boolean hasToken() {
    return hasToken;
  }

  /** Whether the reader thread has ended (for tests). */
  boolean stopped() {
    return readerStopped();
  }

  @Override
  protected void runSession() {
    if (!loaded) {
      token = store != null ? store.load(consumer).orElse(null) : null;
      saved = token;
      savedAtNanos = time.nanoTime();
      loaded = true;
      if (token == null) {
        // Starting at the current end: what changed while no reader of this name ran cannot be
        // replayed, and a shared L2 may still hold what those changes invalidated.
        owedGap =
            "consumer '"
                + consumer
                + "' has no stored resume token ("
                + (store != null ? "its first start" : "no token store")
                + "): changes made while no reader of this name ran cannot be replayed";
      }
    }
    boolean resumed = token != null;
    MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor = open();
    try {
      if (token == null) {
        // A real server hands out a post-batch token at once; keep it so even a stream that
        // never sees an event resumes exactly after a failure or restart.
        advanceIdle(cursor.getResumeToken());
      }
      hasToken = token != null;
      String owed = owedGap;
      if (owed != null) {
        // The stream is open: the gap now covers everything before where reading continues.
        gap(owed);
        owedGap = null;
        saveQuietly();
      }
      int failures = connected();
      if (failures > 0) {
        log.info(
            "{}: stream reopened after {} failed attempt(s){}",
            name(),
            failures,
            resumed ? ", resuming from its token" : "");
      } else if (refusalStreak() > 0) {
        log.debug("{}: stream reopened to deliver what a listener refused", name());
      } else {
        log.info(
            "{}: watching {}", name(), resumed ? "from its resume token" : "from the current end");
      }
      streamOpens.incrementAndGet();
      consume(cursor);
    } finally {
      try {
        cursor.close();
      } catch (RuntimeException e) {
        log.debug("{}: closing the cursor failed", name(), e);
      }
    }
  }

  @Override
  protected String resumePoint() {
    return token != null ? "its resume token" : "the current end";
  }

  @Override
  protected boolean reconnectAtOnce(Exception failure) {
    if (isNotResumable(failure) && token != null) {
      restartAfterLoss(failure);
      return true;
    }
    return false;
  }

  @Override
  protected void sessionFailed(Exception failure, int failedAttempts, Duration retryIn) {
    streamFailures.incrementAndGet();
    log.warn(
        "{}: change stream failed ({}{}), reopening in {} ms {}",
        name(),
        failure.getClass().getSimpleName(),
        failure instanceof MongoException m && m.getCode() != -1 ? ", code " + m.getCode() : "",
        retryIn.toMillis(),
        token != null ? "from its resume token" : "from the current end");
    if (token == null && owedGap == null) {
      // Without a token the reopened stream starts at the current end: whatever changed in
      // between cannot be replayed, so say so once it is open again.
      owedGap =
          "change stream failed before it had a resume token ("
              + failure.getClass().getSimpleName()
              + "); changes until it reopened are not replayed";
    }
  }

  @Override
  protected void onStopped() {
    saveQuietly();
  }

  private MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> open() {
    ChangeStreamIterable<BsonDocument> iterable =
        watch.get().maxAwaitTime(maxAwaitTime.toMillis(), TimeUnit.MILLISECONDS);
    if (fullDocumentLookup) {
      iterable = iterable.fullDocument(FullDocument.UPDATE_LOOKUP);
    }
    BsonDocument from = token;
    if (from != null) {
      // startAfter is the only way past an invalidate event; resumeAfter works on older servers.
      iterable = afterInvalidate ? iterable.startAfter(from) : iterable.resumeAfter(from);
    }
    return iterable.cursor();
  }

  private void consume(MongoChangeStreamCursor<ChangeStreamDocument<BsonDocument>> cursor) {
    while (!isClosed()) {
      ChangeStreamDocument<BsonDocument> change = cursor.tryNext();
      if (isClosed()) {
        // close() may have given up waiting and cleared the listeners: an event taken now would
        // reach nobody, so the token must not move past it (a restart replays it instead).
        return;
      }
      if (change == null) {
        advanceIdle(cursor.getResumeToken());
        continue;
      }
      ChangeTranslator.Result result = translator.translate(change, time.now());
      try {
        for (InvalidationEvent event : result.events()) {
          deliver(event);
        }
      } catch (NotApplied refused) {
        if (token == null && owedGap == null) {
          // Only servers without post-batch tokens (the stand-in) get here: there is no token
          // before this change to re-read it from, so the reopened stream owes a gap instead.
          owedGap =
              "a change was not applied before the stream had a resume token to re-read it"
                  + " from; it cannot be delivered again";
        }
        throw refused;
      }
      token = change.getResumeToken();
      hasToken = token != null;
      afterInvalidate = result.next() == ChangeTranslator.Next.REOPEN_AFTER_INVALIDATE;
      if (afterInvalidate) {
        saveQuietly();
        log.info(
            "{}: stream invalidated (collection or database dropped or renamed); reopening",
            name());
        return;
      }
      if (cursor.available() == 0) {
        saveQuietly();
      }
    }
  }

  /** Takes the server's post-batch token while idle; saves it only now and then. */
  private void advanceIdle(@Nullable BsonDocument postBatch) {
    if (postBatch == null || postBatch.equals(token)) {
      return;
    }
    token = postBatch;
    hasToken = true;
    afterInvalidate = false;
    if (saved == null || time.nanoTime() - savedAtNanos >= idleSaveInterval.toNanos()) {
      saveQuietly();
    }
  }

  private void saveQuietly() {
    BsonDocument at = token;
    ResumeTokenStore s = store;
    if (s == null || at == null || at.equals(saved) || owedGap != null) {
      // While a gap is owed nothing is saved: a restart then finds the old token (or none) and
      // reports the loss again instead of resuming past it.
      return;
    }
    try {
      s.save(consumer, at);
      saved = at;
      savedAtNanos = time.nanoTime();
    } catch (RuntimeException e) {
      // The next batch saves a newer token; until then a restart replays a little more.
      log.warn(
          "{}: saving the resume token failed ({}); will retry with the next one",
          name(),
          e.getClass().getSimpleName());
    }
  }

  private void restartAfterLoss(Exception e) {
    String reason =
        "change stream cannot resume from its token ("
            + describe(e)
            + "); continuing from the current end";
    token = null;
    hasToken = false;
    afterInvalidate = false;
    ResumeTokenStore s = store;
    if (s != null) {
      try {
        s.clear(consumer);
        saved = null;
      } catch (RuntimeException clearFailed) {
        log.warn(
            "{}: clearing the lost resume token failed ({})",
            name(),
            clearFailed.getClass().getSimpleName());
      }
    }
    // Reported by the next session once its stream is open at the current end.
    owedGap = reason;
  }

  static boolean isNotResumable(Throwable e) {
    return e instanceof MongoException m
        && (NOT_RESUMABLE_CODES.contains(m.getCode())
            || m.hasErrorLabel("NonResumableChangeStreamError"));
  }

  private static String describe(Exception e) {
    return e instanceof MongoException m
        ? e.getClass().getSimpleName() + ", code " + m.getCode()
        : e.getClass().getSimpleName();
  }
}
