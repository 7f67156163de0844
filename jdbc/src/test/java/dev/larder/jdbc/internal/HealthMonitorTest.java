package dev.larder.jdbc.internal;

import static dev.larder.jdbc.internal.Fakes.SYSTEM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ReplicaStatus.State;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {
  private final ManualTimeSource time = Fakes.clock();
  private final Fakes.Settings settings = new Fakes.Settings(time);
  private final Fakes.Probes probes = new Fakes.Probes();
  private final Target primary = Fakes.primary();
  private final Target replica = Fakes.replica("r1");
  private final List<HealthMonitor> monitors = new ArrayList<>();
  private ClusterPositions positions;

  private HealthMonitor monitor(@Nullable DataSource primaryReads) {
    RouterSettings s = settings.build();
    positions =
        new ClusterPositions(primary.dataSource(), probes, time, s.healthCheckTimeout().toMillis());
    HealthMonitor m =
        new HealthMonitor(primary, primaryReads, List.of(replica), s, probes, positions);
    monitors.add(m);
    return m;
  }

  @AfterEach
  void close() {
    monitors.forEach(HealthMonitor::close);
  }

  private void primaryAt(long lsn) {
    probes.primary(primary.dataSource(), Fakes.primaryAt(lsn));
  }

  private void replicaAnswers(Positions.ReplicaPosition p) {
    probes.replica(replica.dataSource(), p);
  }

  @Test
  void aCurrentStreamingStandbyIsInRotation() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));

    m.checkAll();

    assertThat(replica.state()).isEqualTo(State.HEALTHY);
    assertThat(replica.replayLsn()).hasValue(1_000);
  }

  @Test
  void aStandbyOverTheByteBoundLeavesRotationAndComesBackWhenItCatchesUp() {
    settings.maxLagBytes = 1024;
    HealthMonitor m = monitor(null);
    primaryAt(10_000);
    replicaAnswers(Fakes.standby(5_000, 5_000));

    m.checkAll();
    assertThat(replica.state()).isEqualTo(State.LAGGING);
    assertThat(replica.status().detail()).contains("maxLagBytes 1024");

    replicaAnswers(Fakes.standby(10_000, 0));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void theReplayDelayIsMeasuredFromWhenThePrimaryWasFirstSeenPastTheStandby() {
    settings.maxReplayDelay = Duration.ofSeconds(1);
    settings.maxLagBytes = Long.MAX_VALUE;
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));
    m.checkAll();
    assertThat(replica.state()).isEqualTo(State.HEALTHY);

    primaryAt(2_000); // a write the standby has not replayed
    m.checkPrimary();
    replicaAnswers(Fakes.standby(1_000, 1_000));
    time.advance(Duration.ofMillis(900));
    m.checkReplica(replica);
    assertThat(replica.state()).as("900 ms behind").isEqualTo(State.HEALTHY);

    time.advance(Duration.ofMillis(200));
    m.checkReplica(replica);
    assertThat(replica.state()).as("1.1 s behind").isEqualTo(State.LAGGING);
    assertThat(replica.status().replayDelay()).isEqualTo(Duration.ofMillis(1_100));

    replicaAnswers(Fakes.standby(2_000, 0));
    m.checkReplica(replica);
    assertThat(replica.state()).as("replayed the write").isEqualTo(State.HEALTHY);
  }

  @Test
  void aQuietPrimaryIsNoLagHoweverLongItStaysQuiet() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));
    for (int i = 0; i < 20; i++) {
      m.checkAll();
      time.advance(Duration.ofSeconds(1));
    }
    assertThat(replica.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aStandbyThatDoesNotStreamWhileThePrimaryIsAheadLeavesRotationAtOnce() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    m.checkPrimary();
    primaryAt(1_100);
    m.checkPrimary();
    replicaAnswers(
        new Positions.ReplicaPosition(
            true,
            OptionalLong.of(1_000),
            OptionalLong.of(1_000),
            0,
            100,
            SYSTEM,
            Positions.ReplicaPosition.NO_RECEIVER));

    m.checkReplica(replica);

    assertThat(replica.state()).isEqualTo(State.LAGGING);
    assertThat(replica.status().detail()).contains("WAL receiver not running");
  }

  @Test
  void aServerThatIsNotAStandbyOrOfAnotherClusterIsOutOfRotation() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    m.checkPrimary();

    replicaAnswers(
        new Positions.ReplicaPosition(
            false, OptionalLong.empty(), OptionalLong.empty(), 0, -1, SYSTEM, null));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.WRONG_ROLE);

    replicaAnswers(
        new Positions.ReplicaPosition(
            true, OptionalLong.of(1_000), OptionalLong.of(1_000), 0, 0, SYSTEM + 1, "streaming"));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.OTHER_CLUSTER);
  }

  @Test
  void anUnreachableStandbyIsDownForgetsItsReplayPositionAndReturnsWhenItAnswers() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));
    m.checkAll();
    assertThat(replica.replayLsn()).hasValue(1_000);

    probes.replica(replica.dataSource(), new SQLException("Connection refused", "08001"));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.DOWN);
    assertThat(replica.status().detail()).contains("Connection refused");
    assertThat(replica.replayLsn()).isEmpty();

    replicaAnswers(Fakes.standby(1_000, 0));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aReadFailureTakesAReplicaOutUntilItsNextHealthyCheckButNeverThePrimary() {
    HealthMonitor m = monitor(null);
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));
    m.checkAll();

    m.markFailed(replica, new SQLException("I/O error", "08006"));
    m.markFailed(primary, new SQLException("I/O error", "08006"));
    assertThat(replica.state()).isEqualTo(State.DOWN);
    assertThat(replica.status().detail()).contains("a read failed: I/O error");
    assertThat(primary.state()).isEqualTo(State.HEALTHY);

    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aStandbyShortOfTheRequiredPositionStaysOutUntilItReplaysIt() throws SQLException {
    HealthMonitor m = monitor(null);
    primaryAt(2_000);
    m.checkPrimary();
    positions.require(ConsistencyToken.of(SYSTEM, 1, Lsn.format(1_500)));
    replicaAnswers(Fakes.standby(1_000, 0));

    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.BEHIND_REQUIRED_POSITION);

    replicaAnswers(Fakes.standby(1_500, 0));
    m.checkReplica(replica);
    assertThat(replica.state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void thePrimaryReadPoolIsUsedOnlyWhileItsSessionsAreReadOnlyOnThisPrimary() {
    Fakes.Pool reads = new Fakes.Pool("reads");
    HealthMonitor m = monitor(reads);
    primaryAt(1_000);

    probes.session(reads, new ServerProbes.ReadSession("on", false, SYSTEM));
    m.checkPrimary();
    assertThat(m.primaryReadsUsable()).isTrue();

    probes.session(reads, new ServerProbes.ReadSession("off", false, SYSTEM));
    m.checkPrimary();
    assertThat(m.primaryReadsUsable()).isFalse();

    probes.session(reads, new ServerProbes.ReadSession("on", true, SYSTEM));
    m.checkPrimary();
    assertThat(m.primaryReadsUsable()).isFalse();

    probes.session(reads, new ServerProbes.ReadSession("on", false, SYSTEM));
    m.checkPrimary();
    assertThat(m.primaryReadsUsable()).isTrue();

    probes.session(reads, new SQLException("timeout", "08001"));
    m.checkPrimary();
    assertThat(m.primaryReadsUsable()).isFalse();
  }

  @Test
  void startRefusesAPrimaryPoolOnAStandbyAndAReadPoolWhoseSessionsMayWrite() {
    probes.primary(primary.dataSource(), new Positions.PrimaryPosition(true, 0, SYSTEM, 0));
    assertThatThrownBy(() -> monitor(null).start(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("it is a standby");

    Fakes.Pool reads = new Fakes.Pool("reads");
    primaryAt(1_000);
    replicaAnswers(Fakes.standby(1_000, 0));
    probes.session(reads, new ServerProbes.ReadSession("off", false, SYSTEM));
    assertThatThrownBy(() -> monitor(reads).start(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("transaction_read_only was off");
  }

  @Test
  void aPrimaryRecordedByItsCheckIsTheClustersPosition() {
    HealthMonitor m = monitor(null);
    primaryAt(4_242);

    m.checkPrimary();

    assertThat(positions.known()).isEqualTo(Fakes.primaryAt(4_242));
    assertThat(positions.latestPrimaryLsn()).hasValue(4_242);
  }
}
