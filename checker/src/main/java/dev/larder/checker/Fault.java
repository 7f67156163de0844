package dev.larder.checker;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One kind of fault the nemesis can inject: what it does ({@link #inject}), how it is undone
 * ({@link #heal}), and which {@link Effect}s it has, so the checks know which guarantees it
 * suspends and for how long. To add a fault, implement this and list it in {@link Faults}.
 *
 * <p>The nemesis calls {@code inject} and, after the scheduled duration, {@code heal}, on its own
 * thread; a fault that {@link #unsupportedReason says it cannot run} in the current tier is skipped
 * with that reason in the report.
 */
public interface Fault {

  /**
   * The fault's name, as used in {@code -Dlarder.checker.faults=...}: lower case, dashes.
   *
   * @return the name
   */
  String name();

  /**
   * What the fault does, while it is active (or, for {@link #harmAtHeal()} faults, while it heals).
   *
   * @return the effects, not empty
   */
  Set<Effect> effects();

  /**
   * Whether the fault targets one cache instance (drawn from the seed) rather than a server.
   *
   * @return true for a per-instance fault
   */
  default boolean perInstance() {
    return false;
  }

  /**
   * Whether the fault is one event rather than a state (a connection kill): the nemesis heals it
   * right after injecting, so its window is as short as the event.
   *
   * @return true for an instantaneous fault
   */
  default boolean instantaneous() {
    return false;
  }

  /**
   * Whether the harm happens when the fault heals rather than while it lasts (a restart from a
   * snapshot: {@code inject} saves, {@code heal} kills and restarts). Its effects then apply to the
   * heal call's window.
   *
   * @return true if the heal is the harmful part
   */
  default boolean harmAtHeal() {
    return false;
  }

  /**
   * What the fault acts on, so that overlapping faults never act on the same thing at once (a pause
   * of a stopped Redis means nothing). Defaults to the fault's name, per instance for a
   * per-instance fault.
   *
   * @param instance the target instance, or -1
   * @return a resource name such as {@code "redis"} or {@code "loader#2"}
   */
  default String resource(int instance) {
    return perInstance() ? name() + "#" + instance : name();
  }

  /**
   * Why this fault cannot run here, or null if it can.
   *
   * @param context the servers and instances
   * @return a reason for the report, or null
   */
  @Nullable String unsupportedReason(FaultContext context);

  /**
   * Injects the fault.
   *
   * @param context the servers and instances
   * @param instance the target instance for a {@link #perInstance()} fault, else -1
   * @throws Exception if it could not be injected (recorded; the run goes on)
   */
  void inject(FaultContext context, int instance) throws Exception;

  /**
   * Undoes the fault; must leave the system as it was (servers running, breakers closed).
   *
   * @param context the servers and instances
   * @param instance as given to {@link #inject}
   * @throws Exception if it could not be healed (the run stops: later results would mean nothing)
   */
  void heal(FaultContext context, int instance) throws Exception;
}
