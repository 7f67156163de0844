package dev.larder.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.FailureClass;
import dev.larder.jdbc.NoEligibleReplicaException;
import dev.larder.jdbc.PrimaryUnavailableException;
import dev.larder.jdbc.ReadIntent;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverTest {

  /** The caller's own checked exception: it must come out of the loop as itself. */
  static final class MappingException extends Exception {
    private static final long serialVersionUID = 1L;

    MappingException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Routes to the replicas in order, skipping those excluded, then to the primary unless it is
   * excluded too or falling back is off; records what each call excluded.
   */
  static final class Servers implements Failover.Routes, Failover.Exclusions {
    final Target primary = Fakes.primary();
    final List<Target> replicas = new ArrayList<>();
    final List<Set<Target>> excludedSeen = new ArrayList<>();
    final List<Target> markedFailed = new ArrayList<>();
    boolean fallBack = true;

    Servers(int replicas) {
      for (int i = 0; i < replicas; i++) {
        this.replicas.add(Fakes.replica("r" + (i + 1)));
      }
    }

    Target replica(int i) {
      return replicas.get(i);
    }

    @Override
    public Route route(ReadIntent intent, Set<Target> excluded, boolean readSessions) {
      excludedSeen.add(Set.copyOf(excluded));
      for (Target t : replicas) {
        if (!excluded.contains(t)) {
          t.acquire();
          return new Route(t, Route.Mode.REPLICA, t.dataSource());
        }
      }
      if (!fallBack || excluded.contains(primary)) {
        throw new NoEligibleReplicaException("no replica left; failed already: " + excluded);
      }
      primary.acquire();
      return new Route(primary, Route.Mode.PRIMARY_READ_ONLY_TRANSACTION, primary.dataSource());
    }

    @Override
    public void markFailed(Target target, Throwable failure) {
      markedFailed.add(target);
    }

    Failover failover() {
      return new Failover(this, this, Fakes.CLASSIFIER);
    }

    int inFlight() {
      int n = primary.inFlight();
      for (Target t : replicas) {
        n += t.inFlight();
      }
      return n;
    }
  }

  private static SQLException connectionLost() {
    return new SQLException("An I/O error occurred while sending to the backend", "08006");
  }

  private static SQLTransientConnectionException noConnection() {
    return new SQLTransientConnectionException("request timed out after 1000ms", "08001");
  }

  @Test
  void aReadThatSucceedsRunsOnceAndReleasesItsServer() throws SQLException {
    Servers s = new Servers(2);

    String result =
        s.failover()
            .read(ReadIntent.any(), Failover.Shape.WHOLE_READ, r -> "on " + r.target().name());

    assertThat(result).isEqualTo("on r1");
    assertThat(s.inFlight()).isZero();
    assertThat(s.markedFailed).isEmpty();
  }

  @Test
  void aConnectionForTheCallerStaysCountedInFlightUntilTheCallerReleasesIt() throws SQLException {
    Servers s = new Servers(1);

    Route route = s.failover().read(ReadIntent.any(), Failover.Shape.CONNECTION, r -> r);

    assertThat(route.target()).isSameAs(s.replica(0));
    assertThat(s.replica(0).inFlight()).isEqualTo(1);
  }

  @Test
  void aRetryableFailureOnAReplicaMovesTheReadToTheNextServerAndTakesTheReplicaOut()
      throws SQLException {
    Servers s = new Servers(2);
    List<String> tried = new ArrayList<>();

    String result =
        s.failover()
            .read(
                ReadIntent.any(),
                Failover.Shape.WHOLE_READ,
                r -> {
                  tried.add(r.target().name());
                  if (r.target() == s.replica(0)) {
                    throw connectionLost();
                  }
                  return "served";
                });

    assertThat(result).isEqualTo("served");
    assertThat(tried).containsExactly("r1", "r2");
    assertThat(s.markedFailed).containsExactly(s.replica(0));
    assertThat(s.excludedSeen.get(1)).containsExactly(s.replica(0));
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void aNonRetryableFailureSurfacesAtOnceFromTheReplica() {
    Servers s = new Servers(2);
    SQLException unique = new SQLException("duplicate key", "23505");
    List<String> tried = new ArrayList<>();

    assertThatThrownBy(
            () ->
                s.failover()
                    .read(
                        ReadIntent.any(),
                        Failover.Shape.WHOLE_READ,
                        r -> {
                          tried.add(r.target().name());
                          throw unique;
                        }))
        .isSameAs(unique);
    assertThat(tried).containsExactly("r1");
    assertThat(s.markedFailed).isEmpty();
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void aFailureWithoutADatabaseCauseNeverMoves() {
    Servers s = new Servers(2);
    IllegalStateException bug = new IllegalStateException("mapper bug");

    assertThatThrownBy(
            () ->
                s.failover()
                    .read(
                        ReadIntent.any(),
                        Failover.Shape.WHOLE_READ,
                        r -> {
                          throw bug;
                        }))
        .isSameAs(bug);
    assertThat(s.markedFailed).isEmpty();
  }

  @Test
  void aFailureOnThePrimaryIsNotMovedAndATypedPrimaryUnavailableSurfacesAsItself() {
    Servers s = new Servers(1);
    PrimaryUnavailableException down =
        new PrimaryUnavailableException(
            "primary unavailable: no connection", noConnection(), FailureClass.TRANSIENT, null);
    List<String> tried = new ArrayList<>();

    assertThatThrownBy(
            () ->
                s.failover()
                    .read(
                        ReadIntent.any(),
                        Failover.Shape.WHOLE_READ,
                        r -> {
                          tried.add(r.target().name());
                          if (r.onPrimary()) {
                            throw down;
                          }
                          throw connectionLost();
                        }))
        .isSameAs(down)
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(tried).containsExactly("r1", "primary");
    assertThat(s.markedFailed).containsExactly(s.replica(0));
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void theCallersCheckedExceptionComesOutAsItsOwnTypeWhenNoServerIsLeft() {
    Servers s = new Servers(2);
    s.fallBack = false;
    List<MappingException> thrown = new ArrayList<>();

    MappingException caught = null;
    try {
      s.failover()
          .read(
              ReadIntent.any(),
              Failover.Shape.WHOLE_READ,
              r -> {
                MappingException e = new MappingException("on " + r.target(), noConnection());
                thrown.add(e);
                throw e;
              });
    } catch (MappingException e) { // compiles only because the loop declares MappingException
      caught = e;
    }

    assertThat(caught).as("the first failure").isSameAs(thrown.get(0));
    assertThat(caught.getSuppressed()).hasAtLeastOneElementOfType(NoEligibleReplicaException.class);
    assertThat(s.markedFailed).containsExactly(s.replica(0), s.replica(1));
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void forAConnectionWithNoServerLeftNoEligibleReplicaSurfacesWithTheFailureInside() {
    Servers s = new Servers(1);
    s.fallBack = false;
    SQLTransientConnectionException refused = noConnection();

    assertThatThrownBy(
            () ->
                s.failover()
                    .read(
                        ReadIntent.any(),
                        Failover.Shape.CONNECTION,
                        r -> {
                          throw refused;
                        }))
        .isInstanceOf(NoEligibleReplicaException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(refused));
    assertThat(s.inFlight()).as("released on failure").isZero();
  }

  @Test
  void noEligibleReplicaBeforeAnyAttemptSurfacesAsItself() {
    Servers s = new Servers(0);
    s.fallBack = false;

    assertThatThrownBy(
            () -> s.failover().read(ReadIntent.any(), Failover.Shape.WHOLE_READ, r -> "never"))
        .isInstanceOf(NoEligibleReplicaException.class);
  }

  @Test
  void eachServerIsTriedOnceAtMostAndThePrimaryLast() {
    Property.forAll(
        "a read failing everywhere tries each replica once, then the primary",
        100,
        r -> Gen.intBetween(r, 0, 6),
        replicas -> {
          Servers s = new Servers(replicas);
          List<Target> tried = new ArrayList<>();
          SQLException last = new SQLException("terminating connection", "57P01");
          assertThatThrownBy(
                  () ->
                      s.failover()
                          .read(
                              ReadIntent.any(),
                              Failover.Shape.WHOLE_READ,
                              route -> {
                                tried.add(route.target());
                                throw route.onPrimary() ? last : connectionLost();
                              }))
              .isSameAs(last);
          assertThat(new HashSet<>(tried)).hasSize(tried.size());
          assertThat(tried).hasSize(replicas + 1);
          assertThat(tried.get(replicas)).isSameAs(s.primary);
          assertThat(s.inFlight()).isZero();
        });
  }

  @Test
  void whatMovesAReadIsAConnectionNotHadOrADatabaseFailureRetryableForIdempotentWork() {
    Failover f = new Servers(0).failover();

    assertThat(f.isTransient(noConnection())).isTrue();
    assertThat(f.isTransient(new RuntimeException(noConnection()))).isTrue();
    assertThat(f.isTransient(new SQLException("serialization", "40001"))).isTrue();
    assertThat(f.isTransient(connectionLost())).as("unknown outcome: reads repeat").isTrue();
    assertThat(f.isTransient(new SQLException("syntax", "42601"))).isFalse();
    assertThat(f.isTransient(new IllegalStateException("no database in the chain"))).isFalse();
  }
}
