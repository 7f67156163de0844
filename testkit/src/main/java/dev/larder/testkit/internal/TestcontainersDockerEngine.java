package dev.larder.testkit.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * Asks the Docker engine Testcontainers would use, without what {@code
 * DockerClientFactory.client()} does on top: that call also starts Ryuk (Testcontainers' reaper
 * container), pulling its image first, and on an engine without a registry the pull stalls for
 * minutes. Here only Testcontainers' engine discovery runs ({@code getTransportConfig()}: the same
 * strategies, environment and {@code ~/.testcontainers.properties}); the questions go through a
 * client of our own: {@code GET /_ping} and {@code GET /images/{name}/json}, which never pull.
 * Where nothing could point at an engine ({@link DockerEndpoints}) the discovery is not run at all,
 * so a machine without Docker does not get Testcontainers' ERROR line before the embedded tier
 * takes over.
 *
 * <p>Every call runs on a daemon thread and is abandoned after the bound: a socket that accepts but
 * never answers (a frozen engine) makes Testcontainers' discovery wait indefinitely. Once a call
 * has gone unanswered, later calls fail at once with the same reason. The first ping's answer,
 * either way, is kept for the life of this object.
 */
public final class TestcontainersDockerEngine implements DockerEngine, AutoCloseable {

  private final Duration bound;
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "larder-testkit-docker-probe");
            t.setDaemon(true);
            return t;
          });
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable DockerClient client; // set on the probe thread
  private @Nullable String host;
  private @Nullable NoAnswer noAnswer;

  /**
   * Creates the probe; nothing is asked until the first call.
   *
   * @param bound how long each question may take
   */
  public TestcontainersDockerEngine(Duration bound) {
    this.bound = bound;
  }

  @Override
  public String ping() throws NoAnswer {
    lock.lock();
    try {
      String h = host;
      if (h != null) {
        return h;
      }
      String nothing = noAnswer == null ? DockerEndpoints.nothingConfigured() : null;
      if (nothing != null) {
        throw remember(new NoAnswer(nothing));
      }
      h =
          ask(
              "answer",
              () -> {
                TransportConfig config = DockerClientFactory.instance().getTransportConfig();
                DockerClient c = DockerClientProviderStrategy.getClientForConfig(config);
                client = c;
                c.pingCmd().exec();
                return config.getDockerHost().toString();
              });
      host = h;
      return h;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ImageLookup lookUp(String image) throws NoAnswer {
    lock.lock();
    try {
      ping();
      DockerClient c = client;
      if (c == null) {
        throw new IllegalStateException("pinged without a client");
      }
      return ask(
          "say whether it has " + image,
          () -> {
            String lookedUp =
                ImageNameSubstitutor.instance()
                    .apply(DockerImageName.parse(image))
                    .asCanonicalNameString();
            try {
              c.inspectImageCmd(lookedUp).exec();
              return new ImageLookup(image, lookedUp, true);
            } catch (NotFoundException e) {
              return new ImageLookup(image, lookedUp, false);
            }
          });
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs one question within the bound; remembers the first unanswered one. Called under the lock.
   */
  private <T> T ask(String what, Callable<T> question) throws NoAnswer {
    NoAnswer earlier = noAnswer;
    if (earlier != null) {
      throw earlier;
    }
    Future<T> future = executor.submit(question);
    try {
      return future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw remember(
          new NoAnswer(
              "the Docker engine did not " + what + " within " + bound.toMillis() + " ms"));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      String m = cause.getMessage();
      throw remember(new NoAnswer(m == null ? cause.getClass().getName() : m));
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new TestServerException("interrupted while asking the Docker engine to " + what, e);
    }
  }

  private NoAnswer remember(NoAnswer e) {
    noAnswer = e;
    return e;
  }

  /**
   * Closes the probe's own client and stops its thread (a hung call is abandoned, not waited for).
   */
  @Override
  public void close() {
    executor.shutdownNow();
    DockerClient c = client;
    if (c != null) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        // the probe's client holds nothing a test needs; the JVM is usually exiting
      }
    }
  }
}
