package dev.larder.testkit;

/**
 * Where the testkit's servers come from.
 *
 * <p>Chosen with the system property {@code larder.test.services} or the environment variable
 * {@code LARDER_TEST_SERVICES}: {@code auto} (the default) resolves to {@link #DOCKER} when a
 * Docker engine answers within a bound and already has every image the tier would run, and to
 * {@link #EMBEDDED} otherwise (it never pulls); {@code docker} and {@code embedded} force a tier
 * and fail (never fall back) when it cannot start a server.
 */
public enum Tier {
  /** Testcontainers: the official images (or the configured substitutes) on a Docker engine. */
  DOCKER,
  /**
   * Real server binaries run as local processes (embedded-redis, zonky's PostgreSQL binaries) and
   * the in-process mongo-java-server stand-in for MongoDB.
   */
  EMBEDDED
}
