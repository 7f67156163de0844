package dev.larder.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.testkit.TestServerException;
import dev.larder.testkit.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The tier decision against a scripted engine: the engine query is the seam (what Docker says is
 * not what is under test here; {@code AutoTierProbeIT} asks the real engine).
 */
class TierResolverTest {

  private static final String HOST = "unix:///fake/docker.sock";
  private static final Map<String, String> CI_IMAGES =
      Map.of(
          "LARDER_TEST_REDIS_IMAGE", "larder-test/redis:7",
          "LARDER_TEST_POSTGRES_IMAGE", "larder-test/postgres:15");
  private static final Settings.Resolved AUTO =
      new Settings.Resolved(Settings.Choice.AUTO, "default");

  /** Answers from a script and records every question, so a test can tell what was asked. */
  private static final class ScriptedEngine implements DockerEngine {
    private final @Nullable String noAnswer;
    private final Set<String> present;
    private final Map<String, String> substitutes = new HashMap<>();
    private @Nullable String silentAbout;
    final List<String> asked = new ArrayList<>();

    ScriptedEngine(@Nullable String noAnswer, Set<String> present) {
      this.noAnswer = noAnswer;
      this.present = present;
    }

    static ScriptedEngine answering(String... present) {
      return new ScriptedEngine(null, Set.of(present));
    }

    static ScriptedEngine silent(String why) {
      return new ScriptedEngine(why, Set.of());
    }

    @Override
    public String ping() throws NoAnswer {
      asked.add("ping");
      if (noAnswer != null) {
        throw new NoAnswer(noAnswer);
      }
      return HOST;
    }

    @Override
    public ImageLookup lookUp(String image) throws NoAnswer {
      asked.add(image);
      if (image.equals(silentAbout)) {
        throw new NoAnswer(
            "the Docker engine did not say whether it has " + image + " within 15000 ms");
      }
      String lookedUp = substitutes.getOrDefault(image, image);
      return new ImageLookup(image, lookedUp, present.contains(lookedUp));
    }
  }

  private static Settings settings(Map<String, String> env) {
    return new Settings(k -> null, env::get);
  }

  private static Map<String, String> env(Map<String, String> base, String... more) {
    Map<String, String> m = new HashMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  @Test
  void autoChoosesDockerWhenTheEngineAnswersAndHasEveryImage() {
    ScriptedEngine engine =
        ScriptedEngine.answering(
            "larder-test/redis:7", "larder-test/postgres:15", TierResolver.RYUK_IMAGE);
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(CI_IMAGES)), engine);
    assertThat(d.tier()).isEqualTo(Tier.DOCKER);
    assertThat(d.reason())
        .isEqualTo(
            "the Docker engine at "
                + HOST
                + " answers and has larder-test/redis:7, "
                + "larder-test/postgres:15, "
                + TierResolver.RYUK_IMAGE);
  }

  @Test
  void autoChoosesEmbeddedWhenNoEngineAnswersWithoutAskingForImages() {
    ScriptedEngine engine =
        ScriptedEngine.silent("the Docker engine did not answer within 15000 ms");
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(CI_IMAGES)), engine);
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .isEqualTo("no Docker engine answers (the Docker engine did not answer within 15000 ms)");
    assertThat(engine.asked).containsExactly("ping");
  }

  @Test
  void autoChoosesEmbeddedNamingTheFirstMissingImageAndTheKnobThatReplacesIt() {
    ScriptedEngine engine =
        ScriptedEngine.answering("larder-test/redis:7", TierResolver.RYUK_IMAGE);
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(CI_IMAGES)), engine);
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .isEqualTo(
            "image larder-test/postgres:15 for PostgreSQL is not on the Docker engine at "
                + HOST
                + ", and auto never pulls: pull or build it, name another with larder.test.postgres.image / "
                + "LARDER_TEST_POSTGRES_IMAGE, or choose a tier with larder.test.services / LARDER_TEST_SERVICES");
    assertThat(engine.asked)
        .containsExactly("ping", "larder-test/redis:7", "larder-test/postgres:15");
  }

  @Test
  void autoNeedsRyuksImageUnlessRyukIsDisabled() {
    ScriptedEngine withRyuk =
        ScriptedEngine.answering("larder-test/redis:7", "larder-test/postgres:15");
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(CI_IMAGES)), withRyuk);
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .startsWith("image " + TierResolver.RYUK_IMAGE + " for Testcontainers' Ryuk")
        .endsWith("pull it, or set TESTCONTAINERS_RYUK_DISABLED=true to run without Ryuk");

    ScriptedEngine withoutRyuk =
        ScriptedEngine.answering("larder-test/redis:7", "larder-test/postgres:15");
    Settings disabled = settings(env(CI_IMAGES, "TESTCONTAINERS_RYUK_DISABLED", "true"));
    assertThat(TierResolver.resolve(AUTO, TierResolver.tierImages(disabled), withoutRyuk).tier())
        .isEqualTo(Tier.DOCKER);
    assertThat(withoutRyuk.asked).doesNotContain(TierResolver.RYUK_IMAGE);
  }

  @Test
  void autoChoosesEmbeddedWhenTheEngineDoesNotSayWhetherItHasAnImage() {
    ScriptedEngine engine =
        ScriptedEngine.answering("larder-test/redis:7", "larder-test/postgres:15");
    engine.silentAbout = "larder-test/redis:7";
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(CI_IMAGES)), engine);
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .isEqualTo(
            "the Docker engine at "
                + HOST
                + " did not say whether it has image larder-test/redis:7"
                + " (the Docker engine did not say whether it has larder-test/redis:7 within 15000 ms)");
  }

  @Test
  void autoNamesTheImageTestcontainersWouldRunWhenItSubstitutesAnother() {
    ScriptedEngine engine = ScriptedEngine.answering("redis:7");
    engine.substitutes.put("redis:7", "mirror.example/redis:7");
    TierResolver.Decision d =
        TierResolver.resolve(AUTO, TierResolver.tierImages(settings(Map.of())), engine);
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .startsWith(
            "image redis:7 (looked up as mirror.example/redis:7) for Redis is not on the Docker engine");
  }

  @Test
  void embeddedNeverAsksTheEngine() {
    ScriptedEngine engine = ScriptedEngine.answering();
    Settings.Resolved embedded =
        new Settings.Resolved(
            Settings.Choice.EMBEDDED, "environment variable LARDER_TEST_SERVICES");
    TierResolver.Decision d =
        TierResolver.resolve(embedded, TierResolver.tierImages(settings(Map.of())), engine);
    assertThat(d)
        .isEqualTo(
            new TierResolver.Decision(
                Tier.EMBEDDED, "chosen by environment variable LARDER_TEST_SERVICES"));
    assertThat(engine.asked).isEmpty();
  }

  @Test
  void dockerChosenExplicitlyNeedsOnlyAnAnsweringEngineAndLeavesImagesToServerStart() {
    ScriptedEngine engine = ScriptedEngine.answering();
    Settings.Resolved docker =
        new Settings.Resolved(Settings.Choice.DOCKER, "environment variable LARDER_TEST_SERVICES");
    TierResolver.Decision d =
        TierResolver.resolve(docker, TierResolver.tierImages(settings(Map.of())), engine);
    assertThat(d.tier()).isEqualTo(Tier.DOCKER);
    assertThat(engine.asked).containsExactly("ping");
  }

  @Test
  void dockerChosenExplicitlyFailsWithTheReasonInsteadOfFallingBack() {
    Settings.Resolved docker =
        new Settings.Resolved(Settings.Choice.DOCKER, "environment variable LARDER_TEST_SERVICES");
    ScriptedEngine engine = ScriptedEngine.silent("Could not find a valid Docker environment");
    assertThatThrownBy(
            () -> TierResolver.resolve(docker, TierResolver.tierImages(settings(Map.of())), engine))
        .isInstanceOf(TestServerException.class)
        .hasMessage(
            "Tier docker was chosen by environment variable LARDER_TEST_SERVICES but no Docker engine answers: "
                + "Could not find a valid Docker environment. Start one (.ci/docker-tier.sh does), or choose embedded.");
  }

  @Test
  void mongoUnderAnAutoDockerTierRunsTheStandInWhenItsImageIsMissing() {
    ScriptedEngine engine = ScriptedEngine.answering(TierResolver.RYUK_IMAGE);
    TierResolver.Decision d = TierResolver.resolveMongo(settings(Map.of()), Tier.DOCKER, engine);
    assertThat(d).isNotNull();
    assertThat(d.tier()).isEqualTo(Tier.EMBEDDED);
    assertThat(d.reason())
        .startsWith(
            "follows auto: image mongo:7 for MongoDB is not on the Docker engine at " + HOST)
        .contains("larder.test.mongo.image / LARDER_TEST_MONGO_IMAGE");
  }

  @Test
  void mongoUnderAnAutoDockerTierRunsInDockerWhenItsImageIsThere() {
    ScriptedEngine engine = ScriptedEngine.answering("mongo:7", TierResolver.RYUK_IMAGE);
    TierResolver.Decision d = TierResolver.resolveMongo(settings(Map.of()), Tier.DOCKER, engine);
    assertThat(d).isNotNull();
    assertThat(d.tier()).isEqualTo(Tier.DOCKER);
  }

  @Test
  void mongoFollowsAnEmbeddedOrExplicitTierWithoutAsking() {
    ScriptedEngine engine = ScriptedEngine.answering();
    assertThat(TierResolver.resolveMongo(settings(Map.of()), Tier.EMBEDDED, engine)).isNull();
    assertThat(
            TierResolver.resolveMongo(
                settings(Map.of("LARDER_TEST_SERVICES", "docker")), Tier.DOCKER, engine))
        .isNull();
    assertThat(engine.asked).isEmpty();
  }

  @Test
  void mongoChosenApartIsResolvedOnItsOwn() {
    ScriptedEngine engine = ScriptedEngine.answering();
    TierResolver.Decision d =
        TierResolver.resolveMongo(
            settings(Map.of("LARDER_TEST_SERVICES", "docker", "LARDER_TEST_MONGO", "embedded")),
            Tier.DOCKER,
            engine);
    assertThat(d)
        .isEqualTo(
            new TierResolver.Decision(
                Tier.EMBEDDED, "chosen by environment variable LARDER_TEST_MONGO"));
    assertThat(engine.asked).isEmpty();
  }

  /**
   * Ryuk's image is a constant inside Testcontainers; an upgrade that changes it must change ours.
   */
  @Test
  void ryukImageIsTheOneThisTestcontainersRuns() throws IOException {
    String resource = "/org/testcontainers/utility/RyukContainer.class";
    String classFile;
    try (InputStream in =
        org.testcontainers.DockerClientFactory.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource + " on the classpath").isNotNull();
      classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    Matcher m = Pattern.compile("testcontainers/ryuk:[0-9A-Za-z._-]+").matcher(classFile);
    assertThat(m.find()).as("Ryuk's image name in " + resource).isTrue();
    assertThat(m.group()).isEqualTo(TierResolver.RYUK_IMAGE);
  }
}
