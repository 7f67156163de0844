package dev.larder.checker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.checker.CheckResult;
import dev.larder.checker.CheckerConfig;
import dev.larder.checker.Faults;
import dev.larder.checker.internal.Op.Outcome;
import dev.larder.checker.internal.Op.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checks on hand-made histories: each rule flags what breaks it and excuses what the documented
 * guarantee allows. Times in milliseconds on the history clock.
 */
class ChecksTest {
  private static final long MS = 1_000_000L;
  // defaults: busHeartbeat 200 ms, slack 1 s -> direct bound 1.8 s; l1Ttl 2 s -> channel bound 3 s;
  // ttl 30 s;
  // breaker wait 5 s, retryBound 2.8 s; pollInterval 1 s; maxStale 30 s; loadTimeout 1 s
  private final CheckerConfig config = CheckerConfig.defaults(7);
  private final List<Op> ops = new ArrayList<>();
  private final List<Nemesis.FaultRecord> faults = new ArrayList<>();
  private long seq;

  private Op add(
      Type type,
      int instance,
      String key,
      long startMs,
      long endMs,
      Outcome outcome,
      long version,
      boolean stale,
      String source,
      long age,
      String detail,
      long required,
      String error,
      boolean typed) {
    Op op =
        new Op(
            ++seq,
            type,
            "t",
            instance,
            key,
            startMs * MS,
            endMs * MS,
            outcome,
            version,
            stale,
            source,
            age,
            error,
            typed,
            detail,
            required);
    ops.add(op);
    return op;
  }

  private void write(
      String key, long start, long end, long version, String path, Outcome outcome, int instance) {
    add(
        Type.WRITE,
        instance,
        key,
        start,
        end,
        outcome,
        version,
        false,
        null,
        0,
        path,
        -1,
        null,
        true);
  }

  private void read(int instance, String key, long start, long end, long version) {
    add(
        Type.READ,
        instance,
        key,
        start,
        end,
        Outcome.OK,
        version,
        false,
        "L1",
        10,
        "lookup",
        -1,
        null,
        true);
  }

  private void load(int instance, String key, long start, long end, long version) {
    add(
        Type.LOAD,
        instance,
        key,
        start,
        end,
        Outcome.OK,
        version,
        false,
        null,
        0,
        "NORMAL",
        -1,
        null,
        true);
  }

  private void fault(String name, int instance, long injectMs, long healStartMs, long healEndMs) {
    Nemesis.FaultRecord r =
        new Nemesis.FaultRecord(
            faults.size() + 1, Faults.byName(name), instance, injectMs * MS, healEndMs * MS);
    r.injectStart = injectMs * MS;
    r.injectEnd = injectMs * MS;
    r.healStart = healStartMs * MS;
    r.healEnd = healEndMs * MS;
    faults.add(r);
  }

  private Checks checks() {
    ops.sort(Comparator.comparingLong(Op::start));
    return new Checks(config, ops, faults, 0, 1_000_000 * MS);
  }

  @Test
  void aFreshReadOlderThanACompletedDirectWriteIsAViolationOnlyPastTheBound() {
    write("1", 1000, 1010, 5, "update+invalidate", Outcome.OK, 0);
    read(1, "1", 900, 1500, 4); // started before the write ended: may return the old version
    read(1, "1", 2500, 2501, 4); // 1.49 s after: within 4 x 200 ms + 1 s
    read(1, "1", 2900, 2901, 4); // 1.89 s after: beyond
    read(1, "1", 5000, 5001, 5); // the new version
    CheckResult r = checks().staleness();
    assertThat(r.violations()).isEqualTo(1);
    assertThat(r.examples().get(0)).contains("returned version 4").contains("2.900s");
  }

  @Test
  void aReadOfAnInstanceWhoseChannelAFaultTouchedGetsL1TtlNotFourHeartbeats() {
    fault("breaker-open", 1, 500, 1200, 1200);
    write("1", 1000, 1010, 5, "writeThrough", Outcome.OK, 0);
    read(1, "1", 3500, 3501, 4); // within l1Ttl + slack = 3 s of the write
    read(2, "1", 3500, 3501, 4); // instance 2's channel was not touched: beyond 1.8 s
    read(1, "1", 4100, 4101, 4); // beyond 3 s
    assertThat(checks().staleness().violations()).isEqualTo(2);
  }

  @Test
  void aPendingWriteMustBeVisibleOnlyAfterTheFaultHealedPlusBreakerWaitAndRetry() {
    fault("redis-pause", -1, 500, 3000, 3000);
    write("1", 1000, 1300, 5, "update+invalidate", Outcome.PENDING, 0);
    // recovered at 3 s + 5 s + 2.8 s = 10.8 s; the bus may be silent until then, so + l1Ttl + slack
    // = 13.8 s
    read(1, "1", 13700, 13701, 4);
    read(1, "1", 13900, 13901, 4);
    assertThat(checks().staleness().violations()).isEqualTo(1);
  }

  @Test
  void aWriteThatReturnedNormallyDuringARedisFaultGetsNoGrace() {
    fault("redis-pause", -1, 500, 3000, 3000);
    write(
        "1",
        1000,
        1300,
        5,
        "update+invalidate",
        Outcome.OK,
        0); // today's code: the lost fence is silent
    read(2, "1", 4500, 4501, 4); // 3.2 s after the write: past l1Ttl + slack
    assertThat(checks().staleness().violations()).isEqualTo(1);
  }

  @Test
  void anOutboxWriteHasItsPollIntervalAndIsDelayedByAPrimaryOutage() {
    write("1", 20000, 20010, 5, "outbox", Outcome.OK, 0);
    read(1, "1", 22700, 22701, 4); // commit + 1 s poll + 1.8 s = 22.81 s: fine
    read(1, "1", 22900, 22901, 4); // beyond
    write("2", 1000, 1010, 8, "outbox", Outcome.OK, 0);
    fault("pg-primary-stop", -1, 1500, 4000, 5000);
    read(1, "2", 8700, 8701, 7); // healed 5 s + reconnect 1 s + poll 1 s + 1.8 s = 8.8 s: fine
    read(1, "2", 8900, 8901, 7); // beyond
    assertThat(checks().staleness().violations()).isEqualTo(2);
  }

  @Test
  void
      anOutboxWriteCommittedWhileTheBoundInstancesBreakerMayStillBeOpenIsDelayedUntilItRecovered() {
    // Redis hung until 3 s; the bound instance's breaker may stay open until 3 + 5 s, so a row
    // committed at 3.2 s is delivered once it recovered: 3 + 5 + 2.8 = 10.8 s, + poll 1 s, and the
    // reader's channel was disturbed until then too: + l1Ttl + slack 3 s = 14.8 s.
    fault("redis-pause", -1, 500, 3000, 3000);
    write("1", 3200, 3210, 5, "outbox", Outcome.OK, 0);
    read(1, "1", 14700, 14701, 4); // fine
    read(1, "1", 14900, 14901, 4); // beyond
    assertThat(checks().staleness().violations()).isEqualTo(1);
  }

  @Test
  void aRollbackExcusesOlderWritesOnlyUntilTheCacheCouldHaveNoticed() {
    fault("redis-snapshot-restart", -1, 500, 5000, 5100);
    write("1", 2000, 2010, 5, "writeThrough", Outcome.OK, 0);
    read(1, "1", 3000, 3001, 4); // before the restart, 1 s after the write: fine anyway
    read(1, "1", 5500, 5501, 4); // after the restart: excused until 5.1 + 5 + 2.8 + 3 = 15.9 s
    read(1, "1", 16000, 16001, 4); // not any more
    assertThat(checks().staleness().violations()).isEqualTo(1);
  }

  @Test
  void staleReadsAreCheckedForTheirDeclaredAgeOnly() {
    write("1", 1000, 1010, 9, "writeThrough", Outcome.OK, 0);
    // ttl + maxStale + slack = 61 s
    add(
        Type.READ,
        1,
        "1",
        70000,
        70001,
        Outcome.OK,
        2,
        true,
        "L2",
        60_000,
        "lookup",
        -1,
        null,
        true);
    add(
        Type.READ,
        1,
        "1",
        70000,
        70001,
        Outcome.OK,
        2,
        true,
        "L2",
        62_000,
        "lookup",
        -1,
        null,
        true);
    CheckResult r = checks().staleness();
    assertThat(r.violations()).isEqualTo(1);
    assertThat(r.figures().get("stale reads older than ttl+maxStale")).isEqualTo(1);
  }

  @Test
  void routedReadsHonourTokensAndTheStalenessBound() {
    write("1", 1000, 1010, 5, "writeThrough", Outcome.OK, 0);
    add(
        Type.ROUTED_READ,
        -1,
        "1",
        1100,
        1101,
        Outcome.OK,
        4,
        false,
        null,
        0,
        "readYourWrites",
        5,
        null,
        true);
    add(
        Type.ROUTED_READ,
        -1,
        "1",
        1100,
        1101,
        Outcome.OK,
        5,
        false,
        null,
        0,
        "readYourWrites",
        5,
        null,
        true);
    add(
        Type.ROUTED_READ,
        -1,
        "1",
        3400,
        3401,
        Outcome.OK,
        4,
        false,
        null,
        0,
        "boundedStaleness",
        -1,
        null,
        true); // commit 1.01 s + d 1 s + 1.5 s = 3.51 s
    add(
        Type.ROUTED_READ,
        -1,
        "1",
        3600,
        3601,
        Outcome.OK,
        4,
        false,
        null,
        0,
        "boundedStaleness",
        -1,
        null,
        true);
    assertThat(checks().routedReads().violations()).isEqualTo(2);
  }

  @Test
  void aSecondLoadOfTheSameVersionIsFlaggedUnlessExpiryAWriteOrAFaultExplainsIt() {
    load(0, "1", 1000, 1010, 5);
    load(1, "1", 2000, 2010, 5); // flagged
    load(0, "2", 1000, 1010, 5);
    load(1, "2", 28000, 28010, 5); // after 0.9 x 30 s - slack: expiry
    load(0, "3", 1000, 1010, 5);
    write(
        "3", 1500, 1600, 5, "update+invalidate", Outcome.OK, 2); // committed v5, invalidated after
    load(1, "3", 2000, 2010, 5);
    fault("loader-fail", 2, 40000, 42000, 42000);
    load(0, "4", 40500, 40510, 5);
    load(1, "4", 41000, 41010, 5);
    CheckResult r = checks().loadsPerVersion();
    assertThat(r.violations()).isEqualTo(1);
    assertThat(r.figures())
        .containsEntry("repeat loads after expiry", 1)
        .containsEntry("repeat loads after an invalidation", 1)
        .containsEntry("repeat loads in fault windows", 1);
  }

  @Test
  void readsOverLoadTimeoutPlusEpsilonOrFailingUntypedAreViolations() {
    // loadTimeout 1 s + redisTimeout 250 ms + slack 1 s = 2.25 s
    add(Type.READ, 0, "1", 0, 2200, Outcome.OK, 1, false, "LOADER", 0, "lookup", -1, null, true);
    add(Type.READ, 0, "1", 0, 2300, Outcome.OK, 1, false, "LOADER", 0, "lookup", -1, null, true);
    add(
        Type.READ,
        0,
        "1",
        0,
        10,
        Outcome.FAIL,
        -1,
        false,
        null,
        0,
        "lookup",
        -1,
        "RedisException: boom",
        false);
    add(
        Type.READ,
        0,
        "1",
        0,
        10,
        Outcome.FAIL,
        -1,
        false,
        null,
        0,
        "lookup",
        -1,
        "StaleValueUnavailableException: none",
        true);
    assertThat(checks().latency(List.of()).violations()).isEqualTo(2);
  }
}
