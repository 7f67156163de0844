package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import dev.larder.testkit.Tier;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Settings.Choice} into a {@link Tier}, and says why.
 *
 * <p>{@code auto} picks docker only when the engine answers within the probe's bound <em>and</em>
 * already holds every image the docker tier would run, Ryuk's included unless it is disabled: auto
 * never pulls, because where no registry answers a pull stalls for minutes before it fails. An
 * explicit {@code docker} only needs the engine to answer; its images are checked (and pulled once
 * if missing) as each server starts, and a missing one fails loudly there, naming the image.
 */
public final class TierResolver {

  /**
   * The image Testcontainers' Ryuk runs (its {@code RyukContainer}, Testcontainers 2.0.5); a unit
   * test reads the jar to keep this in step on upgrades.
   */
  public static final String RYUK_IMAGE = "testcontainers/ryuk:0.14.0";

  private TierResolver() {}

  /**
   * An image the docker tier would run.
   *
   * @param image its name as configured
   * @param purpose what runs it, for messages ({@code "Redis"}, {@code "Testcontainers' Ryuk"})
   * @param remedy what a user can do when it is missing
   */
  public record RequiredImage(String image, String purpose, String remedy) {}

  /**
   * A tier and why it was chosen, for the one log line.
   *
   * @param tier the tier
   * @param reason why, e.g. that an image is not on the engine
   */
  public record Decision(Tier tier, String reason) {}

  /**
   * The images the tier's own servers need: Redis, PostgreSQL, and Ryuk unless disabled.
   *
   * @param settings the knobs
   * @return the images, in the order they are checked
   */
  public static List<RequiredImage> tierImages(Settings settings) {
    List<RequiredImage> images = new ArrayList<>();
    images.add(
        server(
            settings.redisImage(),
            "Redis",
            Settings.REDIS_IMAGE_PROPERTY,
            Settings.REDIS_IMAGE_ENV));
    images.add(
        server(
            settings.postgresImage(),
            "PostgreSQL",
            Settings.POSTGRES_IMAGE_PROPERTY,
            Settings.POSTGRES_IMAGE_ENV));
    addRyuk(settings, images);
    return List.copyOf(images);
  }

  /**
   * The images a MongoDB container needs: MongoDB's, and Ryuk unless disabled.
   *
   * @param settings the knobs
   * @return the images, in the order they are checked
   */
  public static List<RequiredImage> mongoImages(Settings settings) {
    List<RequiredImage> images = new ArrayList<>();
    images.add(
        server(
            settings.mongoImage(),
            "MongoDB",
            Settings.MONGO_IMAGE_PROPERTY,
            Settings.MONGO_IMAGE_ENV));
    addRyuk(settings, images);
    return List.copyOf(images);
  }

  /**
   * Resolves a choice.
   *
   * @param choice the choice and its source
   * @param images what the docker tier would run (consulted for auto only)
   * @param engine the engine to ask (not asked for embedded)
   * @return the tier and why
   * @throws TestServerException if docker was chosen explicitly and no engine answers
   */
  public static Decision resolve(
      Settings.Resolved choice, List<RequiredImage> images, DockerEngine engine) {
    switch (choice.choice()) {
      case EMBEDDED -> {
        return new Decision(Tier.EMBEDDED, "chosen by " + choice.source());
      }
      case DOCKER -> {
        try {
          String host = engine.ping();
          return new Decision(
              Tier.DOCKER,
              "chosen by "
                  + choice.source()
                  + "; the Docker engine at "
                  + host
                  + " answers (images are checked, and pulled if missing, as each server starts)");
        } catch (DockerEngine.NoAnswer e) {
          throw new TestServerException(
              "Tier docker was chosen by "
                  + choice.source()
                  + " but no Docker engine answers: "
                  + e.getMessage()
                  + ". Start one (.ci/docker-tier.sh does), or choose embedded.",
              e);
        }
      }
      default -> {
        return auto(images, engine);
      }
    }
  }

  /**
   * MongoDB's flavour. Unchosen, it follows the tier; when the tier itself came from {@code auto}
   * and is docker, MongoDB's image gets the same test (a machine with Redis and PostgreSQL images
   * but none for MongoDB runs the stand-in rather than stall on a pull).
   *
   * @param settings the knobs
   * @param tier the tier already resolved
   * @param engine the engine to ask
   * @return the flavour and why, or {@code null} when it simply follows the tier
   * @throws TestServerException if docker was chosen explicitly for MongoDB and no engine answers
   */
  public static @Nullable Decision resolveMongo(Settings settings, Tier tier, DockerEngine engine) {
    Settings.Resolved choice = settings.mongo();
    if (choice != null) {
      return resolve(choice, mongoImages(settings), engine);
    }
    if (tier == Tier.DOCKER && settings.services().choice() == Settings.Choice.AUTO) {
      Decision d = auto(mongoImages(settings), engine);
      return new Decision(d.tier(), "follows auto: " + d.reason());
    }
    return null;
  }

  private static Decision auto(List<RequiredImage> images, DockerEngine engine) {
    String host;
    try {
      host = engine.ping();
    } catch (DockerEngine.NoAnswer e) {
      return new Decision(Tier.EMBEDDED, "no Docker engine answers (" + e.getMessage() + ")");
    }
    for (RequiredImage required : images) {
      DockerEngine.ImageLookup found;
      try {
        found = engine.lookUp(required.image());
      } catch (DockerEngine.NoAnswer e) {
        return new Decision(
            Tier.EMBEDDED,
            "the Docker engine at "
                + host
                + " did not say whether it has image "
                + required.image()
                + " ("
                + e.getMessage()
                + ")");
      }
      if (!found.present()) {
        String name =
            found.lookedUp().equals(required.image())
                ? required.image()
                : required.image() + " (looked up as " + found.lookedUp() + ")";
        return new Decision(
            Tier.EMBEDDED,
            "image "
                + name
                + " for "
                + required.purpose()
                + " is not on the Docker engine at "
                + host
                + ", and auto never pulls: "
                + required.remedy());
      }
    }
    return new Decision(
        Tier.DOCKER,
        "the Docker engine at "
            + host
            + " answers and has "
            + images.stream().map(RequiredImage::image).collect(Collectors.joining(", ")));
  }

  private static RequiredImage server(String image, String purpose, String property, String env) {
    return new RequiredImage(
        image,
        purpose,
        "pull or build it, name another with "
            + property
            + " / "
            + env
            + ", or choose a tier with "
            + Settings.SERVICES_PROPERTY
            + " / "
            + Settings.SERVICES_ENV);
  }

  private static void addRyuk(Settings settings, List<RequiredImage> images) {
    if (!settings.ryukDisabled()) {
      images.add(
          new RequiredImage(
              RYUK_IMAGE,
              "Testcontainers' Ryuk (started with the first container)",
              "pull it, or set " + Settings.RYUK_DISABLED_ENV + "=true to run without Ryuk"));
    }
  }
}
