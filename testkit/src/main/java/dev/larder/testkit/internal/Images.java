package dev.larder.testkit.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.larder.testkit.TestServerException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

/**
 * Makes sure an image is on the engine before Testcontainers uses it. Testcontainers retries a
 * failing pull for minutes; where no registry answers, a test run should fail at once with the
 * registry's answer instead.
 */
public final class Images {

  private static final Logger LOG = LoggerFactory.getLogger(Images.class);
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(5);

  private Images() {}

  /**
   * Returns when the image is present locally, pulling it once if needed.
   *
   * @param image the image name
   * @param server what it is for, for the message
   * @param knob the property / environment variable that overrides the image, for the message
   * @throws TestServerException if it is absent and one pull fails or takes longer than 5 minutes
   */
  public static void require(String image, String server, String knob) {
    DockerClient client = DockerClientFactory.instance().client();
    try {
      client.inspectImageCmd(image).exec();
      return;
    } catch (NotFoundException e) {
      LOG.info("larder-testkit: pulling {} for {}", image, server);
    }
    DockerImageName name = DockerImageName.parse(image);
    String tag = name.getVersionPart();
    try (PullImageResultCallback callback =
        client
            .pullImageCmd(name.getUnversionedPart())
            .withTag(tag.isEmpty() ? "latest" : tag)
            .exec(new PullImageResultCallback())) {
      if (!callback.awaitCompletion(PULL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new TestServerException(
            server
                + " image "
                + image
                + " is not on the Docker engine and pulling it took longer than "
                + PULL_TIMEOUT.toMinutes()
                + " min; pull it beforehand or name another image with "
                + knob);
      }
    } catch (TestServerException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException("interrupted while pulling " + image, e);
    } catch (Exception e) {
      throw new TestServerException(
          server
              + " image "
              + image
              + " is not on the Docker engine and cannot be pulled: "
              + e.getMessage()
              + ". Pull it beforehand, name another image with "
              + knob
              + (server.equals("MongoDB")
                  ? ", or use the stand-in with " + Settings.MONGO_ENV + "=embedded"
                  : ""),
          e);
    }
  }
}
