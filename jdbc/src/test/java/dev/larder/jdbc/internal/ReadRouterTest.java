package dev.larder.jdbc.internal;

import static dev.larder.jdbc.internal.Fakes.SYSTEM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.jdbc.ConsistencyToken;
import dev.larder.jdbc.ForeignClusterTokenException;
import dev.larder.jdbc.InvalidConsistencyTokenException;
import dev.larder.jdbc.NoEligibleReplicaException;
import dev.larder.jdbc.ReadIntent;
import dev.larder.jdbc.ReplicaStatus.State;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadRouterTest {
  private final ManualTimeSource time = Fakes.clock();
  private final Fakes.Settings settings = new Fakes.Settings(time);
  private final Fakes.Probes probes = new Fakes.Probes();
  private final Target primary = Fakes.primary();
  private final Target r1 = Fakes.replica("r1");
  private final Target r2 = Fakes.replica("r2");
  private final Fakes.Pool readPool = new Fakes.Pool("primary-reads");
  private final AtomicBoolean readPoolUsable = new AtomicBoolean(true);
  private ClusterPositions positions;

  private ReadRouter router(Target... replicas) {
    RouterSettings s = settings.build();
    positions =
        new ClusterPositions(primary.dataSource(), probes, time, s.healthCheckTimeout().toMillis());
    positions.observePrimary(Fakes.primaryAt(1_000), time.nanoTime());
    return new ReadRouter(
        primary,
        readPool,
        readPoolUsable::get,
        List.of(replicas),
        s,
        positions,
        new ReplayWait(probes, time, s.healthCheckTimeout().toMillis()));
  }

  private static ConsistencyToken token(long lsn) {
    return ConsistencyToken.of(SYSTEM, 1, Lsn.format(lsn));
  }

  private static Route route(ReadRouter router, ReadIntent intent) {
    Route r = router.route(intent, Set.of(), true);
    r.target().release();
    return r;
  }

  @Test
  void anyReadTakesHealthyReplicasInTurnAndSkipsThoseOutOfRotation() {
    Target r3 = Fakes.replica("r3");
    ReadRouter router = router(r1, r2, r3);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);
    Fakes.unhealthy(r2, State.LAGGING);
    Fakes.healthy(r3, 500, Duration.ZERO, 0);

    List<String> chosen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      chosen.add(route(router, ReadIntent.any()).target().name());
    }

    assertThat(chosen).containsExactly("r1", "r3", "r1", "r3");
    assertThat(router.primaryFallbacks()).isZero();
  }

  @Test
  void aStrongReadGoesToThePrimaryEvenWithHealthyReplicas() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);

    Route r = route(router, ReadIntent.strong());

    assertThat(r.target()).isSameAs(primary);
    assertThat(r.onPrimary()).isTrue();
    assertThat(router.primaryFallbacks()).isZero();
  }

  @Test
  void withNoReplicaInRotationAReadFallsBackToThePrimaryOrFailsWhenToldTo() {
    ReadRouter router = router(r1);
    Fakes.unhealthy(r1, State.DOWN);

    assertThat(route(router, ReadIntent.any()).target()).isSameAs(primary);
    assertThat(router.primaryFallbacks()).isEqualTo(1);

    settings.failWhenNoReplica = true;
    ReadRouter failing = router(r1);
    assertThatThrownBy(() -> failing.route(ReadIntent.any(), Set.of(), true))
        .isInstanceOf(NoEligibleReplicaException.class)
        .hasMessageContaining("r1=DOWN");
    assertThat(primary.inFlight()).isZero();
  }

  @Test
  void onThePrimaryTheRouterChoosesTheReadSessionPoolOnlyWhileItsCheckPassesAndTheCallerMayUseIt() {
    ReadRouter router = router();

    Route session = route(router, ReadIntent.strong());
    assertThat(session.mode()).isEqualTo(Route.Mode.PRIMARY_READ_SESSION);
    assertThat(session.pool()).isSameAs(readPool);

    Route forDataSource = router.route(ReadIntent.strong(), Set.of(), false);
    forDataSource.target().release();
    assertThat(forDataSource.mode()).isEqualTo(Route.Mode.PRIMARY_READ_ONLY_TRANSACTION);
    assertThat(forDataSource.pool()).isSameAs(primary.dataSource());

    readPoolUsable.set(false);
    Route transaction = route(router, ReadIntent.any());
    assertThat(transaction.mode()).isEqualTo(Route.Mode.PRIMARY_READ_ONLY_TRANSACTION);
    assertThat(transaction.pool()).isSameAs(primary.dataSource());
  }

  @Test
  void aReplicaRouteUsesTheReplicasOwnPool() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);

    Route r = route(router, ReadIntent.any());

    assertThat(r.mode()).isEqualTo(Route.Mode.REPLICA);
    assertThat(r.onPrimary()).isFalse();
    assertThat(r.pool()).isSameAs(r1.dataSource());
  }

  @Test
  void aBoundedStalenessReadCountsTheReplaysDelayPlusTheAgeOfItsLastCheck() {
    ReadRouter router = router(r1, r2);
    Fakes.healthy(r1, 500, Duration.ofMillis(300), time.nanoTime());
    Fakes.healthy(r2, 500, Duration.ofMillis(50), time.nanoTime());
    ReadIntent half = ReadIntent.boundedStaleness(Duration.ofMillis(500));

    assertThat(route(router, half).target()).isSameAs(r1);
    assertThat(route(router, half).target()).isSameAs(r2);

    time.advance(Duration.ofMillis(300)); // r1: 300 + 300 > 500; r2: 50 + 300 <= 500
    assertThat(route(router, half).target()).isSameAs(r2);
    assertThat(route(router, half).target()).isSameAs(r2);

    time.advance(Duration.ofMillis(200)); // neither
    assertThat(route(router, half).target()).isSameAs(primary);
  }

  @Test
  void aReadYourWritesReadGoesToAReplicaThatReplayedItsToken() {
    ReadRouter router = router(r1, r2);
    Fakes.healthy(r1, 400, Duration.ZERO, 0);
    Fakes.healthy(r2, 900, Duration.ZERO, 0);

    for (int i = 0; i < 3; i++) {
      assertThat(route(router, ReadIntent.readYourWrites(token(800))).target()).isSameAs(r2);
    }
    assertThat(router.readYourWritesFallbacks()).isZero();
  }

  @Test
  void aReadYourWritesReadNoReplicaReplayedFallsBackAndIsCounted() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 400, Duration.ZERO, 0);

    assertThat(route(router, ReadIntent.readYourWrites(token(800))).target()).isSameAs(primary);
    assertThat(router.readYourWritesFallbacks()).isEqualTo(1);
    assertThat(router.primaryFallbacks()).isEqualTo(1);
  }

  @Test
  void aReadYourWritesReadWaitsForTheMostAdvancedReplicaAndIsServedThereWhenItCatchesUp() {
    settings.readYourWritesWait = Duration.ofMillis(50);
    ReadRouter router = router(r1, r2);
    Fakes.healthy(r1, 400, Duration.ZERO, 0);
    Fakes.healthy(r2, 600, Duration.ZERO, 0);
    probes.replays(r2.dataSource(), 650, 700, 800);

    Route r = route(router, ReadIntent.readYourWrites(token(800)));

    assertThat(r.target()).isSameAs(r2);
    assertThat(r2.replayLsn()).hasValue(800);
    assertThat(probes.calls).containsExactly("watch r2-pool");
    assertThat(router.readYourWritesFallbacks()).isZero();
  }

  @Test
  void aReadYourWritesWaitThatRunsOutFallsBack() {
    settings.readYourWritesWait = Duration.ofMillis(50);
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 400, Duration.ZERO, 0);
    probes.replays(r1.dataSource(), 500);
    probes.onReplayQuestion = () -> time.advance(Duration.ofMillis(20));

    assertThat(route(router, ReadIntent.readYourWrites(token(800))).target()).isSameAs(primary);
    assertThat(router.readYourWritesFallbacks()).isEqualTo(1);
  }

  @Test
  void aTokenOfAnotherClusterIsRefused() {
    ReadRouter router = router(r1);
    ConsistencyToken foreign = ConsistencyToken.of(SYSTEM + 1, 1, "0/10");

    assertThatThrownBy(() -> router.route(ReadIntent.readYourWrites(foreign), Set.of(), true))
        .isInstanceOf(ForeignClusterTokenException.class);
  }

  @Test
  void aTokenAheadOfThePrimarysFreshPositionIsRefusedWithoutWaitOrFallback() {
    settings.readYourWritesWait = Duration.ofSeconds(10);
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 1_000, Duration.ZERO, 0);
    probes.primary(primary.dataSource(), Fakes.primaryAt(2_000));

    assertThatThrownBy(() -> router.route(ReadIntent.readYourWrites(token(5_000)), Set.of(), true))
        .isInstanceOf(InvalidConsistencyTokenException.class)
        .hasMessageContaining("ahead of the primary's current position");
    assertThat(probes.calls).containsExactly("primary primary-pool");
    assertThat(router.readYourWritesFallbacks()).isZero();
  }

  @Test
  void aTokenTheFreshPrimaryPositionCoversIsServedAndOneThePrimaryCannotJudgeIsNotRefused() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 1_000, Duration.ZERO, 0);
    probes.primary(primary.dataSource(), Fakes.primaryAt(3_000));

    assertThat(route(router, ReadIntent.readYourWrites(token(2_500))).target()).isSameAs(primary);

    time.advance(Duration.ofSeconds(1));
    probes.primary(primary.dataSource(), new SQLException("refused", "08001"));
    assertThat(route(router, ReadIntent.readYourWrites(token(9_000))).target()).isSameAs(primary);
    assertThat(router.readYourWritesFallbacks()).isEqualTo(2);
  }

  @Test
  void aClusterIdentityThatCannotBeReadFailsTheRouteUnchecked() {
    RouterSettings s = settings.build();
    ClusterPositions unknown =
        new ClusterPositions(primary.dataSource(), probes, time, s.healthCheckTimeout().toMillis());
    SQLException down = new SQLException("refused", "08001");
    probes.primary(primary.dataSource(), down);
    ReadRouter router =
        new ReadRouter(
            primary, null, () -> false, List.of(r1), s, unknown, new ReplayWait(probes, time, 1));

    assertThatThrownBy(() -> router.route(ReadIntent.readYourWrites(token(1)), Set.of(), true))
        .isInstanceOf(ClusterIdentityUnavailableException.class)
        .hasCause(down);
  }

  @Test
  void aReplicaShortOfTheRequiredPositionIsOutOfRotation() throws SQLException {
    ReadRouter router = router(r1, r2);
    Fakes.healthy(r1, 400, Duration.ZERO, 0);
    Fakes.healthy(r2, 900, Duration.ZERO, 0);
    probes.primary(primary.dataSource(), Fakes.primaryAt(1_000));
    positions.require(token(800));

    for (int i = 0; i < 3; i++) {
      assertThat(route(router, ReadIntent.any()).target()).isSameAs(r2);
    }
  }

  @Test
  void leastInFlightPrefersTheReplicaWithFewestReadsRunning() {
    settings.leastInFlight = true;
    ReadRouter router = router(r1, r2);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);
    Fakes.healthy(r2, 500, Duration.ZERO, 0);
    r1.acquire();
    r1.acquire();

    for (int i = 0; i < 3; i++) {
      assertThat(route(router, ReadIntent.any()).target()).isSameAs(r2);
    }
  }

  @Test
  void aRouteCountsItsServerInFlightUntilReleased() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);

    Route r = router.route(ReadIntent.any(), Set.of(), true);
    assertThat(r1.inFlight()).isEqualTo(1);
    r.target().release();
    assertThat(r1.inFlight()).isZero();
  }

  @Test
  void withThePrimaryExcludedTooNoServerIsLeft() {
    ReadRouter router = router(r1);
    Fakes.healthy(r1, 500, Duration.ZERO, 0);

    assertThatThrownBy(() -> router.route(ReadIntent.any(), Set.of(r1, primary), true))
        .isInstanceOf(NoEligibleReplicaException.class)
        .hasMessageContaining("failed already");
  }

  /** Replicas drawn for the property: each one's state, and whether this read excluded it. */
  private record Replicas(List<State> states, List<Boolean> excluded) {}

  @Test
  void anAnyReadGoesToAHealthyReplicaNotExcludedIfOneExistsElseToThePrimary() {
    Property.forAll(
        "any() routes to a healthy replica not excluded, else the primary",
        300,
        r -> {
          int n = Gen.intBetween(r, 0, 5);
          List<State> states = new ArrayList<>();
          List<Boolean> excluded = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            states.add(Gen.oneOf(r, State.values()));
            excluded.add(r.nextBoolean());
          }
          return new Replicas(states, excluded);
        },
        drawn -> {
          List<State> states = drawn.states();
          List<Boolean> excludedFlags = drawn.excluded();
          List<Target> replicas = new ArrayList<>();
          Set<Target> excluded = new HashSet<>();
          for (int i = 0; i < states.size(); i++) {
            Target t = Fakes.replica("r" + i);
            if (states.get(i) == State.HEALTHY) {
              Fakes.healthy(t, 500, Duration.ZERO, 0);
            } else {
              Fakes.unhealthy(t, states.get(i));
            }
            replicas.add(t);
            if (excludedFlags.get(i)) {
              excluded.add(t);
            }
          }
          ReadRouter router = router(replicas.toArray(Target[]::new));
          Route route = router.route(ReadIntent.any(), excluded, true);
          route.target().release();
          boolean anyEligible =
              replicas.stream().anyMatch(t -> t.state() == State.HEALTHY && !excluded.contains(t));
          if (anyEligible) {
            assertThat(route.target().state()).isEqualTo(State.HEALTHY);
            assertThat(excluded).doesNotContain(route.target());
            assertThat(route.mode()).isEqualTo(Route.Mode.REPLICA);
          } else {
            assertThat(route.target()).isSameAs(primary);
          }
        });
  }
}
