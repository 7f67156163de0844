package dev.larder.testkit.internal;

import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The testkit's knobs, read from system properties and environment variables.
 *
 * <p>Precedence: a system property naming a concrete choice ({@code docker}, {@code embedded})
 * wins; otherwise the environment variable; otherwise the property's {@code auto}; otherwise the
 * default. {@code auto} in a system property defers to the environment because the build passes
 * {@code -Dlarder.test.services=auto} to every test JVM whether or not anybody chose it, and CI
 * chooses with environment variables.
 */
public final class Settings {

  /** System property choosing the tier. */
  public static final String SERVICES_PROPERTY = "larder.test.services";

  /** Environment variable choosing the tier. */
  public static final String SERVICES_ENV = "LARDER_TEST_SERVICES";

  /** System property choosing the MongoDB flavour. */
  public static final String MONGO_PROPERTY = "larder.test.mongo";

  /** Environment variable choosing the MongoDB flavour. */
  public static final String MONGO_ENV = "LARDER_TEST_MONGO";

  /** System property naming the Redis image. */
  public static final String REDIS_IMAGE_PROPERTY = "larder.test.redis.image";

  /** Environment variable naming the Redis image. */
  public static final String REDIS_IMAGE_ENV = "LARDER_TEST_REDIS_IMAGE";

  /** System property naming the PostgreSQL image. */
  public static final String POSTGRES_IMAGE_PROPERTY = "larder.test.postgres.image";

  /** Environment variable naming the PostgreSQL image. */
  public static final String POSTGRES_IMAGE_ENV = "LARDER_TEST_POSTGRES_IMAGE";

  /** System property naming the MongoDB image. */
  public static final String MONGO_IMAGE_PROPERTY = "larder.test.mongo.image";

  /** Environment variable naming the MongoDB image. */
  public static final String MONGO_IMAGE_ENV = "LARDER_TEST_MONGO_IMAGE";

  /** System property naming the OS user embedded PostgreSQL runs as when the JVM is root. */
  public static final String POSTGRES_OS_USER_PROPERTY = "larder.test.postgres.os-user";

  /** Environment variable naming the OS user embedded PostgreSQL runs as when the JVM is root. */
  public static final String POSTGRES_OS_USER_ENV = "LARDER_TEST_POSTGRES_OS_USER";

  /**
   * Testcontainers' own switch for Ryuk, its reaper container. Testcontainers 2.0.5 reads only the
   * environment variable (with {@link Boolean#parseBoolean(String)}), so this does too.
   */
  public static final String RYUK_DISABLED_ENV = "TESTCONTAINERS_RYUK_DISABLED";

  /** Official image used for Redis unless overridden. */
  public static final String DEFAULT_REDIS_IMAGE = "redis:7";

  /** Official image used for PostgreSQL unless overridden. */
  public static final String DEFAULT_POSTGRES_IMAGE = "postgres:17";

  /** Official image used for MongoDB unless overridden. */
  public static final String DEFAULT_MONGO_IMAGE = "mongo:7";

  /** OS user embedded PostgreSQL runs as when the JVM is root, unless overridden. */
  public static final String DEFAULT_POSTGRES_OS_USER = "nobody";

  /** A tier choice as written by the user. */
  public enum Choice {
    /** Docker when an engine answers, else embedded. */
    AUTO,
    /** Testcontainers only. */
    DOCKER,
    /** Local processes and stand-ins only. */
    EMBEDDED
  }

  /**
   * A resolved choice and where it came from, for log lines and error messages.
   *
   * @param choice the choice
   * @param source e.g. {@code "system property larder.test.services"} or {@code "default"}
   */
  public record Resolved(Choice choice, String source) {
    @Override
    public String toString() {
      return choice.name().toLowerCase(Locale.ROOT) + " (from " + source + ")";
    }
  }

  private final Function<String, @Nullable String> properties;
  private final Function<String, @Nullable String> environment;

  /**
   * Reads from the given lookups (tests pass maps).
   *
   * @param properties system property lookup
   * @param environment environment variable lookup
   */
  public Settings(
      Function<String, @Nullable String> properties,
      Function<String, @Nullable String> environment) {
    this.properties = properties;
    this.environment = environment;
  }

  /**
   * Reads from {@link System#getProperty(String)} and {@link System#getenv(String)}.
   *
   * @return the settings of this JVM
   */
  public static Settings fromSystem() {
    return new Settings(System::getProperty, System::getenv);
  }

  /**
   * The tier choice.
   *
   * @return the choice and its source; {@code auto} by default
   * @throws IllegalArgumentException if a value is not auto, docker or embedded
   */
  public Resolved services() {
    Resolved r = choice(SERVICES_PROPERTY, SERVICES_ENV);
    return r != null ? r : new Resolved(Choice.AUTO, "default");
  }

  /**
   * The MongoDB flavour choice, or {@code null} when none was made (follow the tier).
   *
   * @return the choice and its source, or {@code null}
   * @throws IllegalArgumentException if a value is not auto, docker or embedded
   */
  public @Nullable Resolved mongo() {
    return choice(MONGO_PROPERTY, MONGO_ENV);
  }

  /**
   * The Redis image name.
   *
   * @return the configured name, or {@link #DEFAULT_REDIS_IMAGE}
   */
  public String redisImage() {
    return value(REDIS_IMAGE_PROPERTY, REDIS_IMAGE_ENV, DEFAULT_REDIS_IMAGE);
  }

  /**
   * The PostgreSQL image name.
   *
   * @return the configured name, or {@link #DEFAULT_POSTGRES_IMAGE}
   */
  public String postgresImage() {
    return value(POSTGRES_IMAGE_PROPERTY, POSTGRES_IMAGE_ENV, DEFAULT_POSTGRES_IMAGE);
  }

  /**
   * The MongoDB image name.
   *
   * @return the configured name, or {@link #DEFAULT_MONGO_IMAGE}
   */
  public String mongoImage() {
    return value(MONGO_IMAGE_PROPERTY, MONGO_IMAGE_ENV, DEFAULT_MONGO_IMAGE);
  }

  /**
   * The OS user embedded PostgreSQL runs as when the JVM runs as root.
   *
   * @return the configured user, or {@link #DEFAULT_POSTGRES_OS_USER}
   */
  public String postgresOsUser() {
    return value(POSTGRES_OS_USER_PROPERTY, POSTGRES_OS_USER_ENV, DEFAULT_POSTGRES_OS_USER);
  }

  /**
   * Whether Testcontainers will run without Ryuk, read as Testcontainers reads it.
   *
   * @return {@code true} when {@value #RYUK_DISABLED_ENV} is {@code true} (any case)
   */
  public boolean ryukDisabled() {
    return Boolean.parseBoolean(
        environment.apply(RYUK_DISABLED_ENV)); // untrimmed, as Testcontainers
  }

  private String value(String property, String env, String defaultValue) {
    String p = trimmed(properties.apply(property));
    if (p != null) {
      return p;
    }
    String e = trimmed(environment.apply(env));
    return e != null ? e : defaultValue;
  }

  private @Nullable Resolved choice(String property, String env) {
    String p = trimmed(properties.apply(property));
    String e = trimmed(environment.apply(env));
    Choice pc = p == null ? null : parse(property, p);
    Choice ec = e == null ? null : parse(env, e);
    if (pc != null && pc != Choice.AUTO) {
      return new Resolved(pc, "system property " + property);
    }
    if (ec != null) {
      return new Resolved(ec, "environment variable " + env);
    }
    if (pc != null) {
      return new Resolved(pc, "system property " + property);
    }
    return null;
  }

  private static Choice parse(String knob, String value) {
    try {
      return Choice.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          knob + " must be one of auto, docker, embedded but was '" + value + "'", e);
    }
  }

  private static @Nullable String trimmed(@Nullable String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }
}
