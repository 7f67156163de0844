package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerEndpointsTest {

  /** What Testcontainers writes to ~/.testcontainers.properties after it once found a socket. */
  private static final Map<String, String> SOCKET_STRATEGY =
      Map.of(
          "docker.client.strategy",
          "org.testcontainers.dockerclient.UnixSocketClientProviderStrategy");

  @Test
  void aLinuxHostWithNoVariableFileOrSocketHasNothingToAsk() {
    String why =
        DockerEndpoints.nothingConfigured(
            Map.of("HOME", "/home/u"), SOCKET_STRATEGY, "/home/u", "Linux", p -> false);
    assertThat(why)
        .contains("no Docker engine is configured")
        .contains("/var/run/docker.sock")
        .contains("/home/u/.docker/run/docker.sock");
  }

  @Test
  void anyHintOfAnEngineLeavesTheQuestionToTestcontainers() {
    for (String variable :
        new String[] {"DOCKER_HOST", "DOCKER_CONTEXT", "TESTCONTAINERS_HOST_OVERRIDE"}) {
      assertThat(
              DockerEndpoints.nothingConfigured(
                  Map.of(variable, "x"), Map.of(), "/home/u", "Linux", p -> false))
          .as(variable)
          .isNull();
    }
    for (String file :
        new String[] {
          "/var/run/docker.sock",
          "/run/user/1000/docker.sock",
          "/home/u/.docker/contexts",
          "/home/u/.colima",
          "/home/u/.docker/run/docker.sock"
        }) {
      Set<Path> present = Set.of(Path.of(file));
      assertThat(
              DockerEndpoints.nothingConfigured(
                  Map.of("XDG_RUNTIME_DIR", "/run/user/1000"),
                  SOCKET_STRATEGY,
                  "/home/u",
                  "Linux",
                  present::contains))
          .as(file)
          .isNull();
    }
  }

  @Test
  void anEngineOrAnotherStrategyInTestcontainersPropertiesIsAHint() {
    assertThat(
            DockerEndpoints.nothingConfigured(
                Map.of(),
                Map.of("docker.host", "tcp://build:2375"),
                "/home/u",
                "Linux",
                p -> false))
        .isNull();
    assertThat(
            DockerEndpoints.nothingConfigured(
                Map.of(),
                Map.of(
                    "docker.client.strategy",
                    "org.testcontainers.dockerclient.EnvironmentAndSystemPropertyClientProviderStrategy"),
                "/home/u",
                "Linux",
                p -> false))
        .isNull();
    assertThat(
            DockerEndpoints.nothingConfigured(
                Map.of(), Map.of("tc.host", "tcp://cloud:2375"), "/home/u", "Linux", p -> false))
        .isNull();
  }

  @Test
  void otherOperatingSystemsAreLeftToTestcontainers() {
    assertThat(
            DockerEndpoints.nothingConfigured(
                Map.of(), Map.of(), "C:\\Users\\u", "Windows 11", p -> false))
        .isNull();
    assertThat(
            DockerEndpoints.nothingConfigured(
                Map.of(), Map.of(), "/Users/u", "Mac OS X", p -> false))
        .isNotNull();
  }
}
