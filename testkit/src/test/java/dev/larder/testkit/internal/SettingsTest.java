package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

  private static Settings settings(Map<String, String> props, Map<String, String> env) {
    return new Settings(props::get, env::get);
  }

  @Test
  void defaultsToAutoWhenNothingIsSet() {
    Settings.Resolved r = settings(Map.of(), Map.of()).services();
    assertThat(r.choice()).isEqualTo(Settings.Choice.AUTO);
    assertThat(r.source()).isEqualTo("default");
  }

  @Test
  void readsTheEnvironmentVariableCaseInsensitively() {
    Settings.Resolved r = settings(Map.of(), Map.of("LARDER_TEST_SERVICES", " Docker ")).services();
    assertThat(r.choice()).isEqualTo(Settings.Choice.DOCKER);
    assertThat(r.source()).isEqualTo("environment variable LARDER_TEST_SERVICES");
  }

  @Test
  void aConcreteSystemPropertyWinsOverTheEnvironment() {
    Settings.Resolved r =
        settings(
                Map.of("larder.test.services", "embedded"),
                Map.of("LARDER_TEST_SERVICES", "docker"))
            .services();
    assertThat(r.choice()).isEqualTo(Settings.Choice.EMBEDDED);
    assertThat(r.source()).isEqualTo("system property larder.test.services");
  }

  @Test
  void autoInTheSystemPropertyDefersToTheEnvironmentBecauseTheBuildAlwaysPassesIt() {
    Settings s =
        settings(Map.of("larder.test.services", "auto"), Map.of("LARDER_TEST_SERVICES", "docker"));
    assertThat(s.services().choice()).isEqualTo(Settings.Choice.DOCKER);
    Settings alone = settings(Map.of("larder.test.services", "auto"), Map.of());
    assertThat(alone.services())
        .isEqualTo(
            new Settings.Resolved(Settings.Choice.AUTO, "system property larder.test.services"));
  }

  @Test
  void blankValuesCountAsUnset() {
    assertThat(
            settings(Map.of("larder.test.services", " "), Map.of("LARDER_TEST_SERVICES", ""))
                .services()
                .choice())
        .isEqualTo(Settings.Choice.AUTO);
  }

  @Test
  void rejectsAnUnknownTierNamingTheKnobAndTheValue() {
    assertThatThrownBy(
            () -> settings(Map.of(), Map.of("LARDER_TEST_SERVICES", "podman")).services())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("LARDER_TEST_SERVICES must be one of auto, docker, embedded but was 'podman'");
    assertThatThrownBy(() -> settings(Map.of("larder.test.mongo", "real"), Map.of()).mongo())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("larder.test.mongo must be one of auto, docker, embedded but was 'real'");
  }

  @Test
  void mongoFollowsTheTierUnlessChosen() {
    assertThat(settings(Map.of(), Map.of()).mongo()).isNull();
    assertThat(settings(Map.of(), Map.of("LARDER_TEST_MONGO", "embedded")).mongo())
        .isEqualTo(
            new Settings.Resolved(
                Settings.Choice.EMBEDDED, "environment variable LARDER_TEST_MONGO"));
  }

  @Test
  void imagesDefaultToTheOfficialOnesAndCanBeOverridden() {
    Settings defaults = settings(Map.of(), Map.of());
    assertThat(defaults.redisImage()).isEqualTo("redis:7");
    assertThat(defaults.postgresImage()).isEqualTo("postgres:17");
    assertThat(defaults.mongoImage()).isEqualTo("mongo:7");
    Settings overridden =
        settings(
            Map.of("larder.test.redis.image", "mirror/redis:7"),
            Map.of(
                "LARDER_TEST_REDIS_IMAGE",
                "ignored/redis",
                "LARDER_TEST_POSTGRES_IMAGE",
                "larder-test/postgres:15",
                "LARDER_TEST_MONGO_IMAGE",
                "mirror/mongo:8"));
    assertThat(overridden.redisImage()).isEqualTo("mirror/redis:7");
    assertThat(overridden.postgresImage()).isEqualTo("larder-test/postgres:15");
    assertThat(overridden.mongoImage()).isEqualTo("mirror/mongo:8");
  }

  @Test
  void postgresRunsAsNobodyUnlessAnotherUserIsNamed() {
    assertThat(settings(Map.of(), Map.of()).postgresOsUser()).isEqualTo("nobody");
    assertThat(settings(Map.of(), Map.of("LARDER_TEST_POSTGRES_OS_USER", "pg")).postgresOsUser())
        .isEqualTo("pg");
  }

  @Test
  void ryukCountsAsDisabledExactlyWhenTestcontainersThinksSo() {
    assertThat(settings(Map.of(), Map.of()).ryukDisabled()).isFalse();
    assertThat(settings(Map.of(), Map.of("TESTCONTAINERS_RYUK_DISABLED", "TRUE")).ryukDisabled())
        .isTrue();
    assertThat(settings(Map.of(), Map.of("TESTCONTAINERS_RYUK_DISABLED", "yes")).ryukDisabled())
        .isFalse();
    assertThat(settings(Map.of(), Map.of("TESTCONTAINERS_RYUK_DISABLED", " true")).ryukDisabled())
        .isFalse();
  }
}
