package dev.larder.jdbc.internal;

import static dev.larder.jdbc.internal.Fakes.SYSTEM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ClusterPositionsTest {
  private final ManualTimeSource time = Fakes.clock();
  private final Fakes.Probes probes = new Fakes.Probes();
  private final Fakes.Pool primary = new Fakes.Pool("primary-pool");
  private final ClusterPositions positions = new ClusterPositions(primary, probes, time, 1_000);

  private static ConsistencyToken token(long lsn) {
    return ConsistencyToken.of(SYSTEM, 1, Lsn.format(lsn));
  }

  @Test
  void theIdentityIsReadFromThePrimaryOnceThenKept() throws SQLException {
    probes.primary(primary, Fakes.primaryAt(100));

    assertThat(positions.identity()).isEqualTo(Fakes.primaryAt(100));
    assertThat(positions.identity()).isEqualTo(Fakes.primaryAt(100));
    assertThat(probes.calls).containsExactly("primary primary-pool");
  }

  @Test
  void aPrimaryPoolOnAStandbyHasNoIdentity() {
    probes.primary(primary, new Positions.PrimaryPosition(true, 0, SYSTEM, 0));

    assertThatThrownBy(positions::identity)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("in recovery");
    assertThat(positions.known()).isNull();
  }

  @Test
  void aFreshPositionBegunAfterTheCallerAskedIsSharedAndAnOlderOneIsNot() throws SQLException {
    probes.primary(primary, Fakes.primaryAt(100));
    assertThat(positions.fresh().lsn()).isEqualTo(100);

    // Same instant: the read that began when this caller asked answers it too.
    probes.primary(primary, Fakes.primaryAt(200));
    assertThat(positions.fresh().lsn()).isEqualTo(100);
    assertThat(probes.calls).hasSize(1);

    time.advance(Duration.ofMillis(1));
    assertThat(positions.fresh().lsn()).isEqualTo(200);
    assertThat(probes.calls).hasSize(2);
    assertThat(positions.latestPrimaryLsn()).hasValue(200);
  }

  @Test
  void aRequiredPositionOfAnotherClusterOrAheadOfThePrimaryIsRefusedAndChangesNothing() {
    probes.primary(primary, Fakes.primaryAt(1_000));

    assertThatThrownBy(() -> positions.require(ConsistencyToken.of(SYSTEM + 1, 1, "0/10")))
        .isInstanceOf(ForeignClusterTokenException.class);
    time.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> positions.require(token(1_001)))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageContaining("no replica would ever replay it");
    time.advance(Duration.ofMillis(1));
    assertThatThrownBy(() -> positions.require(ConsistencyToken.of(SYSTEM, 2, "0/1")))
        .as("a later timeline")
        .isInstanceOf(InvalidConsistencyTokenException.class);
    assertThat(positions.required()).isEmpty();
  }

  @Test
  void theRequiredPositionOnlyRisesComparedUnsigned() {
    Property.forAll(
        "the required position is the unsigned maximum of those accepted",
        200,
        r -> Gen.listOf(r, 1, 8, g -> Gen.anyLong(g)),
        lsns -> {
          ManualTimeSource clock = Fakes.clock();
          Fakes.Probes answers = new Fakes.Probes().primary(primary, Fakes.primaryAt(-1L));
          ClusterPositions p = new ClusterPositions(primary, answers, clock, 1_000);
          long max = lsns.get(0);
          for (long lsn : lsns) {
            p.require(token(lsn));
            clock.advance(Duration.ofMillis(1));
            max = Long.compareUnsigned(lsn, max) > 0 ? lsn : max;
          }
          assertThat(p.required()).isEqualTo(OptionalLong.of(max));
        });
  }

  @Test
  void aNewTimelineForgetsThePositionsOfTheOldOne() {
    positions.observePrimary(Fakes.primaryAt(500), 10);
    assertThat(positions.firstSeenPast(100)).hasValue(10);

    positions.observePrimary(new Positions.PrimaryPosition(false, 600, SYSTEM, 2), 20);

    assertThat(positions.firstSeenPast(100)).hasValue(20);
    assertThat(positions.known().timeline()).isEqualTo(2);
  }

  @Test
  void aMintedTokenIsThePositionAfterTheCommitAndTeachesTheIdentity() throws SQLException {
    ConsistencyToken t = positions.minted(Fakes.primaryAt(0x1_0000_0010L));

    assertThat(t.toHeader()).isEqualTo("pg1:" + Long.toUnsignedString(SYSTEM) + ":1:1/10");
    assertThat(positions.identity()).isEqualTo(Fakes.primaryAt(0x1_0000_0010L));
    assertThat(probes.calls).isEqualTo(List.of());
  }
}
