package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import dev.larder.testkit.Tier;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;

/**
 * The auto decision against the real Docker engine of this machine, where no registry answers: a
 * pull, Ryuk's included, would stall for minutes. Skipped, with the reason, where no engine
 * answers. What is present is checked with a client of the test's own, not with the probe.
 */
class AutoTierProbeIT {

  private static final Logger LOG = LoggerFactory.getLogger(AutoTierProbeIT.class);
  private static final Settings.Resolved AUTO = new Settings.Resolved(Settings.Choice.AUTO, "test");
  private static final String REDIS = envOr(Settings.REDIS_IMAGE_ENV, "larder-test/redis:7");
  private static final String POSTGRES =
      envOr(Settings.POSTGRES_IMAGE_ENV, "larder-test/postgres:15");

  private static @Nullable DockerClient docker;
  private static String noEngine = "";

  @BeforeAll
  static void connect() {
    String nothing = DockerEndpoints.nothingConfigured();
    if (nothing != null) {
      noEngine = nothing; // and Testcontainers' discovery would only log an ERROR saying so
      return;
    }
    try {
      DockerClient c =
          DockerClientProviderStrategy.getClientForConfig(
              DockerClientFactory.instance().getTransportConfig());
      c.pingCmd().exec();
      docker = c;
    } catch (RuntimeException e) {
      noEngine = String.valueOf(e.getMessage());
    }
  }

  @AfterAll
  static void close() throws IOException {
    if (docker != null) {
      docker.close();
    }
  }

  @Test
  void autoWithAMissingImageChoosesEmbeddedWithoutPullingOrStartingRyuk() {
    DockerClient c = engineHere();
    String missing = "larder-test/never-built:" + Names.databaseName("probe").replace('_', '-');
    assumeTrue(!has(c, missing), missing + " exists on this engine");
    Settings settings =
        settings(Map.of(Settings.REDIS_IMAGE_ENV, missing, Settings.POSTGRES_IMAGE_ENV, POSTGRES));

    TierResolver.Decision d = decide(settings);

    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .startsWith("image " + missing + " for Redis is not on the Docker engine at ");
    assertThat(has(c, missing)).as("pulled " + missing).isFalse();
    assertThat(ryukContainersOfThisJvm(c))
        .as("Ryuk containers of this JVM's Testcontainers session")
        .isEmpty();
  }

  /** The case that used to stall for about seven minutes: everything local but Ryuk's image. */
  @Test
  void autoWithTheServerImagesButNoRyukImageChoosesEmbeddedInsteadOfPullingRyuk() {
    DockerClient c = engineHere();
    assumeTrue(
        has(c, REDIS) && has(c, POSTGRES),
        REDIS + " and " + POSTGRES + " are not both on this engine");
    assumeTrue(!has(c, TierResolver.RYUK_IMAGE), TierResolver.RYUK_IMAGE + " is on this engine");

    TierResolver.Decision d =
        decide(
            settings(
                Map.of(Settings.REDIS_IMAGE_ENV, REDIS, Settings.POSTGRES_IMAGE_ENV, POSTGRES)));

    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .startsWith("image " + TierResolver.RYUK_IMAGE + " for Testcontainers' Ryuk");
    assertThat(ryukContainersOfThisJvm(c))
        .as("Ryuk containers of this JVM's Testcontainers session")
        .isEmpty();
  }

  @Test
  void autoWithEveryImageLocalAndRyukDisabledChoosesDocker() {
    DockerClient c = engineHere();
    assumeTrue(
        has(c, REDIS) && has(c, POSTGRES),
        REDIS + " and " + POSTGRES + " are not both on this engine");

    TierResolver.Decision d =
        decide(
            settings(
                Map.of(
                    Settings.REDIS_IMAGE_ENV,
                    REDIS,
                    Settings.POSTGRES_IMAGE_ENV,
                    POSTGRES,
                    Settings.RYUK_DISABLED_ENV,
                    "true")));

    assertThat(d.tier()).isEqualTo(Tier.DOCKER);
    assertThat(d.reason()).endsWith("answers and has " + REDIS + ", " + POSTGRES);
  }

  private static TierResolver.Decision decide(Settings settings) {
    try (TestcontainersDockerEngine engine =
        new TestcontainersDockerEngine(Duration.ofSeconds(15))) {
      long t0 = System.nanoTime();
      TierResolver.Decision d =
          TierResolver.resolve(AUTO, TierResolver.tierImages(settings), engine);
      LOG.info("auto decided {} in {} ms: {}", d.tier(), Millis.since(t0), d.reason());
      return d;
    }
  }

  private static DockerClient engineHere() {
    DockerClient c = docker;
    assumeTrue(c != null, "no Docker engine answers here: " + noEngine);
    return c;
  }

  private static boolean has(DockerClient c, String image) {
    try {
      c.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static List<Container> ryukContainersOfThisJvm(DockerClient c) {
    return c
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(
            Map.of(
                DockerClientFactory.TESTCONTAINERS_SESSION_ID_LABEL,
                DockerClientFactory.SESSION_ID))
        .exec()
        .stream()
        .filter(container -> container.getImage() != null && container.getImage().contains("ryuk"))
        .toList();
  }

  private static Settings settings(Map<String, String> env) {
    Map<String, String> copy = new HashMap<>(env);
    return new Settings(k -> null, copy::get);
  }

  private static String envOr(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }
}
