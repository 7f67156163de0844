package dev.larder.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The scripted walk through the catalog service: runs one step per pattern against the servers, in
 * order, prints each step's evidence and records whether it held.
 *
 * <p>Each step lives in a class of its own next to the wiring class it shows ({@link
 * CacheAsideStep} next to {@link CacheAsideWiring}, …; {@link ReplicaRoutingSteps} holds that
 * wiring's three steps): read one to see how its pattern is called and what the evidence is. Two
 * instances of the service, A and B, run in this JVM, each with its own Redis client and cache,
 * sharing the database and Redis as two processes would; {@link Catalog} holds what the steps share
 * and closes it at the end.
 *
 * <p>Not thread-safe (one run at a time).
 */
public final class CatalogScenario {
  private final Console console;
  private final Catalog catalog;
  private final List<StepResult> results = new ArrayList<>();

  /**
   * A scenario against the given servers.
   *
   * @param servers where the servers are
   * @param console where to print
   */
  CatalogScenario(Servers servers, Console console) {
    this.console = console;
    this.catalog = new Catalog(servers, console);
  }

  /**
   * Runs every step and closes what they opened.
   *
   * @return each step's result, in order
   */
  List<StepResult> run() {
    ReplicaRoutingSteps replicas = new ReplicaRoutingSteps(catalog, console);
    try {
      step(
          "pools sized by presets, checked by the server",
          PoolTuningWiring.class,
          new PoolTuningStep(catalog, console)::run);
      step(
          "Flyway migrations + seed, standby replays first",
          ReplicaRoutingWiring.class,
          replicas::migrate);
      step(
          "200 concurrent gets of a cold product",
          CacheAsideWiring.class,
          new CacheAsideStep(catalog, console)::run);
      step(
          "price update on A, B's copy invalidated",
          InvalidationWiring.class,
          new InvalidationStep(catalog, console)::run);
      step(
          "price changed by SQL alone: outbox invalidates",
          OutboxInvalidationWiring.class,
          new OutboxInvalidationStep(catalog, console)::run);
      step(
          "standby replay paused: reads go to primary",
          ReplicaRoutingWiring.class,
          replicas::replicaLag);
      step(
          "write + read-your-writes via token header",
          ReplicaRoutingWiring.class,
          replicas::readYourWrites);
      step(
          "transient failure injected: retried",
          RetryWiring.class,
          new RetryStep(catalog, console)::run);
      step(
          "keyset pages walked with cursors",
          KeysetPagingWiring.class,
          new KeysetPagingStep(catalog, console)::run);
      step(
          "reviews in MongoDB via the router",
          MongoWiring.class,
          new MongoStep(catalog, console)::run);
      step(
          "cached reviews follow edits made anywhere",
          MongoInvalidationWiring.class,
          new MongoInvalidationStep(catalog, console)::run);
      step(
          "database down: stale value served",
          StaleFallbackWiring.class,
          new StaleFallbackStep(catalog, console)::run);
    } finally {
      catalog.close();
    }
    return List.copyOf(results);
  }

  @FunctionalInterface
  private interface Step {
    Evidence run() throws Exception;
  }

  /** Runs one step: prints its header, its evidence line, and records its result. */
  private void step(String title, Class<?> wiringClass, Step step) {
    int number = results.size() + 1;
    String wiring = wiringClass.getSimpleName();
    console.step(number, title, wiring);
    long start = System.nanoTime();
    Evidence evidence;
    try {
      evidence = step.run();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      evidence = new Evidence(false, "failed: " + e);
      console.detail("FAILED: " + e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    console.detail((evidence.held() ? "holds: " : "DOES NOT HOLD: ") + evidence.line());
    results.add(new StepResult(number, title, wiring, evidence.held(), evidence.line(), took));
  }
}
