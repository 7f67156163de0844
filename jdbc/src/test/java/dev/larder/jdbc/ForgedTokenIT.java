package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Defect 8 of issue 15: a consistency token comes back from a client in a header, so it is
 * untrusted input and must not degrade the service. Forged far-future LSNs used to make every read
 * wait out {@code readYourWritesWait} and fall back; {@code requireReplayed(7FFFFFFF/FFFFFFFF)}
 * took the standby out of rotation for good; and {@code FFFFFFFF/FFFFFFFF}, equal to the signed
 * {@code -1} that meant "no requirement", cleared a requirement set after a migration.
 */
class ForgedTokenIT extends ItemTableFixture {
  private static ConsistencyToken at(ConsistencyToken real, String lsn) {
    return ConsistencyToken.of(real.systemIdentifier(), real.timeline(), lsn);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"7FFFFFFF/FFFFFFFF", "FFFFFFFF/FFFFFFFF", "80000000/00000000", "FFFF/0"})
  void aTokenAheadOfAnythingThePrimaryWroteIsRefusedWithoutWaitingOrFallingBack(String lsn)
      throws Exception {
    try (ReplicaRouter router =
        pg.router(
            b ->
                b.healthCheckInterval(Duration.ofMillis(100))
                    .readYourWritesWait(Duration.ofSeconds(2)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      ConsistencyToken forged = at(router.currentPosition(), lsn);
      long fallbacks = router.readYourWritesFallbacks();

      assertThatThrownBy(() -> db.read(ReadIntent.readYourWrites(forged), PgFixture::item))
          .isInstanceOf(InvalidConsistencyTokenException.class)
          .hasMessageContaining("ahead of the primary");
      ConsistencySession fromHeader = ConsistencySession.fromHeader(forged.toHeader());
      assertThatThrownBy(() -> db.read(fromHeader, PgFixture::item))
          .isInstanceOf(InvalidConsistencyTokenException.class);
      // Refused, not waited for: no read-your-writes wait ran out and fell back.
      assertThat(router.readYourWritesFallbacks()).isEqualTo(fallbacks);
    }
  }

  @Test
  void anHonestTokenMintedElsewhereAMomentAgoIsStillHonoured() throws Exception {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMinutes(10)));
        ReplicaRouter elsewhere = pg.router(b -> b.healthCheckInterval(Duration.ofMinutes(10)))) {
      // This router's view of the primary is from its start; the other service writes after it.
      Written<Integer> w =
          RoutingJdbi.create(elsewhere)
              .write(h -> h.execute("UPDATE item SET name = 'new' WHERE id = 1"));
      ConsistencySession carried = ConsistencySession.fromHeader(w.token().toHeader());
      assertThat(RoutingJdbi.create(router).read(carried, PgFixture::item).name()).isEqualTo("new");
    }
  }

  @Test
  void requireReplayedOfAPositionAheadOfThePrimaryIsRefusedAndTheStandbyStaysInRotation()
      throws Exception {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(100)))) {
      ConsistencyToken forged = at(router.currentPosition(), "7FFFFFFF/FFFFFFFF");

      assertThatThrownBy(() -> router.requireReplayed(forged))
          .isInstanceOf(InvalidConsistencyTokenException.class)
          .hasMessageContaining("ahead of the primary");
      router.checkNow();
      assertThat(router.replica(PgFixture.STANDBY).inRotation()).isTrue();
      assertThat(RoutingJdbi.create(router).read(PgFixture::item))
          .isEqualTo(new PgFixture.Seen("old", true));
    }
  }

  @Test
  void theHighestLsnIsNotTheNoRequirementMarkerAndClearsNoRequirement() throws Exception {
    try (ReplicaRouter router = pg.router(b -> b.healthCheckInterval(Duration.ofMillis(100)))) {
      RoutingJdbi db = RoutingJdbi.create(router);
      pg.cluster.pauseReplay();
      db.write(h -> h.execute("UPDATE item SET name = 'migrated' WHERE id = 1"));
      ConsistencyToken migration = router.currentPosition();
      router.requireReplayed(migration);
      router.checkNow();
      assertThat(router.replica(PgFixture.STANDBY).state())
          .isEqualTo(ReplicaStatus.State.BEHIND_REQUIRED_POSITION);

      ConsistencyToken highest = at(migration, "FFFFFFFF/FFFFFFFF");
      try {
        router.requireReplayed(highest);
      } catch (InvalidConsistencyTokenException refused) {
        // refused is right; what matters is that the requirement set before still holds
      }
      router.checkNow();
      assertThat(router.replica(PgFixture.STANDBY).state())
          .isEqualTo(ReplicaStatus.State.BEHIND_REQUIRED_POSITION);
      assertThat(db.read(PgFixture::item)).isEqualTo(new PgFixture.Seen("migrated", false));

      pg.cluster.resumeReplay();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> router.replica(PgFixture.STANDBY).inRotation());
      assertThat(db.read(PgFixture::item)).isEqualTo(new PgFixture.Seen("migrated", true));
    }
  }
}
