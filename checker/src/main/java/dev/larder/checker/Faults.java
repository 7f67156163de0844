package dev.larder.checker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The faults the nemesis knows, by name. Each acts through a testkit hook or a public Larder API;
 * none reaches into a library's internals.
 *
 * <table>
 *   <caption>Faults</caption>
 *   <tr><th>name</th><th>inject</th><th>heal</th></tr>
 *   <tr><td>{@code redis-stop}</td><td>{@code RedisServer.stop()}</td><td>{@code start()} (empty)</td></tr>
 *   <tr><td>{@code redis-pause}</td><td>{@code pause()} (hung)</td><td>{@code resume()}</td></tr>
 *   <tr><td>{@code redis-snapshot-restart}</td><td>{@code snapshot()}</td><td>{@code restartFromSnapshot()}</td></tr>
 *   <tr><td>{@code redis-pubsub-kill}</td><td>{@code killPubSubClients()}</td><td>(instantaneous)</td></tr>
 *   <tr><td>{@code breaker-open}</td><td>one instance's Redis breaker forced open</td><td>closed</td></tr>
 *   <tr><td>{@code loader-hang}</td><td>one instance's loader reads, then blocks</td><td>released</td></tr>
 *   <tr><td>{@code loader-fail}</td><td>one instance's loader throws</td><td>works again</td></tr>
 *   <tr><td>{@code pg-primary-stop}</td><td>primary stopped</td><td>started</td></tr>
 *   <tr><td>{@code pg-replay-pause}</td><td>{@code pauseReplay()} on the standby</td><td>{@code resumeReplay()}</td></tr>
 *   <tr><td>{@code pg-wal-receiver-cut}</td><td>{@code cutWalReceiver()}</td><td>{@code restoreWalReceiver()}</td></tr>
 * </table>
 */
public final class Faults {

  private static final Map<String, Fault> ALL = new LinkedHashMap<>();

  static {
    add(
        new Simple(
            "redis-stop",
            "redis",
            EnumSet.of(Effect.REDIS_UNREACHABLE_ALL, Effect.CHANNEL_CUT_ALL)) {
          @Override
          public void inject(FaultContext c, int i) {
            c.redis().stop();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.redis().start();
          }
        });
    add(
        new Simple(
            "redis-pause",
            "redis",
            EnumSet.of(Effect.REDIS_UNREACHABLE_ALL, Effect.CHANNEL_CUT_ALL)) {
          @Override
          public void inject(FaultContext c, int i) {
            c.redis().pause();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.redis().resume();
          }
        });
    add(
        new Simple(
            "redis-snapshot-restart",
            "redis",
            EnumSet.of(
                Effect.REDIS_UNREACHABLE_ALL, Effect.CHANNEL_CUT_ALL, Effect.REDIS_ROLLBACK)) {
          @Override
          public boolean harmAtHeal() {
            return true;
          }

          @Override
          public void inject(FaultContext c, int i) {
            c.redis().snapshot();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.redis().restartFromSnapshot();
          }
        });
    add(
        new Simple("redis-pubsub-kill", "redis", EnumSet.of(Effect.CHANNEL_CUT_ALL)) {
          @Override
          public boolean instantaneous() {
            return true;
          }

          @Override
          public void inject(FaultContext c, int i) {
            c.redis().killPubSubClients();
          }

          @Override
          public void heal(FaultContext c, int i) {
            // nothing to undo: clients resubscribe by themselves
          }
        });
    add(
        new Simple("breaker-open", "breaker", EnumSet.of(Effect.REDIS_UNREACHABLE_INSTANCE)) {
          @Override
          public boolean perInstance() {
            return true;
          }

          @Override
          public void inject(FaultContext c, int i) {
            c.cache(i).redisCircuitBreaker().transitionToForcedOpenState();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.cache(i).redisCircuitBreaker().transitionToClosedState();
          }
        });
    add(
        new Simple("loader-hang", "loader", EnumSet.of(Effect.LOADER_INSTANCE)) {
          @Override
          public boolean perInstance() {
            return true;
          }

          @Override
          public void inject(FaultContext c, int i) {
            c.loader(i).hang();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.loader(i).heal();
          }
        });
    add(
        new Simple("loader-fail", "loader", EnumSet.of(Effect.LOADER_INSTANCE)) {
          @Override
          public boolean perInstance() {
            return true;
          }

          @Override
          public void inject(FaultContext c, int i) {
            c.loader(i).fail();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.loader(i).heal();
          }
        });
    add(
        new Simple("pg-primary-stop", "pg-primary", EnumSet.of(Effect.PRIMARY_DOWN)) {
          @Override
          public void inject(FaultContext c, int i) {
            c.postgres().primary().stop();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.postgres().primary().start();
          }
        });
    add(
        new Simple("pg-replay-pause", "pg-standby", EnumSet.of(Effect.REPLICA_BEHIND)) {
          @Override
          public void inject(FaultContext c, int i) {
            c.postgres().pauseReplay();
          }

          @Override
          public void heal(FaultContext c, int i) {
            c.postgres().resumeReplay();
          }
        });
    add(new WalReceiverCut());
  }

  private Faults() {}

  private static void add(Fault f) {
    ALL.put(f.name(), f);
  }

  /**
   * Every fault's name, in catalogue order.
   *
   * @return the names
   */
  public static Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(ALL.keySet()));
  }

  /**
   * The fault of that name.
   *
   * @param name a name from {@link #names()}
   * @return the fault
   * @throws IllegalArgumentException if there is none
   */
  public static Fault byName(String name) {
    Fault f = ALL.get(name);
    if (f == null) {
      throw new IllegalArgumentException(
          "fault must be one of " + ALL.keySet() + " but was '" + name + "'");
    }
    return f;
  }

  /**
   * Names in catalogue order, whatever order they came in (so a schedule depends on the seed and
   * the set, not on how the set was typed).
   *
   * @param names some fault names
   * @return them, ordered
   */
  public static List<String> ordered(Collection<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : ALL.keySet()) {
      if (names.contains(n)) {
        out.add(n);
      }
    }
    return out;
  }

  /** A fault every tier can run. */
  private abstract static class Simple implements Fault {
    private final String name;
    private final String resource;
    private final Set<Effect> effects;

    Simple(String name, String resource, Set<Effect> effects) {
      this.name = name;
      this.resource = resource;
      this.effects = Collections.unmodifiableSet(effects);
    }

    @Override
    public String resource(int instance) {
      return perInstance() ? resource + "#" + instance : resource;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Set<Effect> effects() {
      return effects;
    }

    @Override
    public @Nullable String unsupportedReason(FaultContext context) {
      return null;
    }
  }

  /**
   * The standby's WAL receiver cut while the standby keeps running and answering queries (issue 15,
   * defect 3): {@code PostgresCluster.cutWalReceiver()} / {@code restoreWalReceiver()}.
   */
  private static final class WalReceiverCut implements Fault {
    @Override
    public String name() {
      return "pg-wal-receiver-cut";
    }

    @Override
    public Set<Effect> effects() {
      return Collections.unmodifiableSet(EnumSet.of(Effect.REPLICA_BEHIND));
    }

    @Override
    public String resource(int instance) {
      return "pg-standby";
    }

    @Override
    public @Nullable String unsupportedReason(FaultContext context) {
      return null;
    }

    @Override
    public void inject(FaultContext c, int i) {
      c.postgres().cutWalReceiver();
    }

    @Override
    public void heal(FaultContext c, int i) {
      c.postgres().restoreWalReceiver();
    }
  }
}
