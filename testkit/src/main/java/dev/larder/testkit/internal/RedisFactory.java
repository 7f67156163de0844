package dev.larder.testkit.internal;

import dev.larder.testkit.RedisServer;
import dev.larder.testkit.TestServerException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** Starts Redis in either tier. */
public final class RedisFactory {

  private static final Logger LOG = LoggerFactory.getLogger(RedisFactory.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** The data directory inside a Redis container, as in the official image. */
  private static final String DATA_DIR = "/data";

  private RedisFactory() {}

  /**
   * Runs the redis-server binary shipped by embedded-redis as a child process (not through
   * embedded-redis' own lifecycle, which exposes no process id to freeze).
   *
   * @param onExit registers teardown for JVM exit
   * @return the running server
   */
  public static RedisServer embedded(Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    Path exe = BinaryCache.redisServer();
    Path runDir = RunDirs.create("redis");
    int port = Ports.free();
    List<String> cmd =
        List.of(
            exe.toString(),
            "--port",
            Integer.toString(port),
            "--bind",
            Ports.LOOPBACK,
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            runDir.toString());
    ServerProcess process =
        new ServerProcess(
            "embedded Redis",
            cmd,
            runDir,
            runDir.resolve("redis.log"),
            START_TIMEOUT,
            () -> Resp.ping(Ports.LOOPBACK, port),
            "TERM");
    onExit.accept(
        () -> {
          process.destroy();
          Commands.deleteQuietly(runDir);
        });
    process.start();
    LOG.info(
        "larder-testkit: started embedded Redis (redis-server 6.2.6 from embedded-redis) on {}:{} in {} ms",
        Ports.LOOPBACK,
        port,
        Millis.since(t0));
    return new RedisServerImpl("redis", port, process, RedisFiles.local(runDir));
  }

  /**
   * Runs the Redis image with Testcontainers, published on a fixed loopback port.
   *
   * @param image image name, used as a substitute for {@code redis}
   * @param onExit registers teardown for JVM exit
   * @return the running server
   */
  public static RedisServer docker(String image, Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    Images.require(
        image, "Redis", Settings.REDIS_IMAGE_PROPERTY + " / " + Settings.REDIS_IMAGE_ENV);
    int port = Ports.free();
    // The command, not the image's default: the official image saves on shutdown (so a plain
    // restart would not come back empty) and its data directory is /data, where the snapshot
    // hook needs it; the project's local image follows the same convention.
    GenericContainer<?> container =
        new GenericContainer<>(DockerImageName.parse(image).asCompatibleSubstituteFor("redis"))
            .withCommand(
                "redis-server",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                DATA_DIR)
            .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1))
            .withStartupTimeout(START_TIMEOUT);
    ContainerLifecycle.bindFixedPort(container, 6379, port);
    ContainerLifecycle lifecycle =
        new ContainerLifecycle(
            "Redis container " + image,
            container,
            START_TIMEOUT,
            () -> Resp.ping(Ports.LOOPBACK, port));
    onExit.accept(lifecycle::destroy);
    try {
      container.start();
    } catch (RuntimeException e) {
      throw new TestServerException(
          "Redis container from image " + image + " did not start: " + e.getMessage(), e);
    }
    if (!Poll.until(START_TIMEOUT, () -> Resp.ping(Ports.LOOPBACK, port))) {
      throw new TestServerException(
          "Redis container from image "
              + image
              + " does not answer PING on "
              + Ports.LOOPBACK
              + ":"
              + port);
    }
    LOG.info(
        "larder-testkit: started Redis container {} on {}:{} in {} ms",
        image,
        Ports.LOOPBACK,
        port,
        Millis.since(t0));
    return new RedisServerImpl(
        "redis", port, lifecycle, RedisFiles.inContainer(lifecycle, DATA_DIR));
  }
}
