package dev.larder.testkit.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports.Binding;
import dev.larder.testkit.TestServerException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.ExecInContainerPattern;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.ResourceReaper;

/**
 * Fault hooks on a Testcontainers container, done with the Docker API directly: Testcontainers' own
 * {@code stop()} removes the container, but a stopped server must come back with its data and its
 * host port, so stop and start are {@code docker stop} / {@code docker start} on the same
 * container, and pause is {@code docker pause} (the cgroup freezer).
 */
public final class ContainerLifecycle implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ContainerLifecycle.class);

  private final String name;
  private final GenericContainer<?> container;
  private final Duration startTimeout;
  private final BooleanSupplier ready;
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * Wraps a started container.
   *
   * @param name for logs
   * @param container the container, already started
   * @param startTimeout how long a restart may take
   * @param ready readiness probe from the host
   */
  public ContainerLifecycle(
      String name, GenericContainer<?> container, Duration startTimeout, BooleanSupplier ready) {
    this.name = name;
    this.container = container;
    this.startTimeout = startTimeout;
    this.ready = ready;
  }

  /**
   * Publishes a container port on a fixed loopback host port, so that it keeps its address across
   * {@code docker stop} and {@code docker start} (a random mapping would change).
   *
   * @param container the container, not yet started
   * @param containerPort the port inside
   * @param hostPort the port on 127.0.0.1
   */
  public static void bindFixedPort(GenericContainer<?> container, int containerPort, int hostPort) {
    container.withExposedPorts(containerPort);
    container.withCreateContainerCmdModifier(
        cmd -> {
          var hostConfig = cmd.getHostConfig();
          if (hostConfig == null) {
            throw new IllegalStateException("container has no host config");
          }
          hostConfig.withPortBindings(
              new PortBinding(
                  Binding.bindIpAndPort(Ports.LOOPBACK, hostPort), ExposedPort.tcp(containerPort)));
        });
  }

  private DockerClient client() {
    return DockerClientFactory.instance().client();
  }

  private InspectContainerResponse.ContainerState state() {
    return client().inspectContainerCmd(container.getContainerId()).exec().getState();
  }

  @Override
  public void start() {
    lock.lock();
    try {
      var state = state();
      if (Boolean.TRUE.equals(state.getRunning())) {
        return;
      }
      client().startContainerCmd(container.getContainerId()).exec();
      if (!Poll.until(startTimeout, ready)) {
        throw new TestServerException(
            name
                + " did not answer within "
                + startTimeout.toSeconds()
                + " s after docker start; last log lines:\n"
                + tail());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void stop() {
    lock.lock();
    try {
      var state = state();
      if (!Boolean.TRUE.equals(state.getRunning())) {
        return;
      }
      if (Boolean.TRUE.equals(state.getPaused())) {
        client().unpauseContainerCmd(container.getContainerId()).exec();
      }
      client().stopContainerCmd(container.getContainerId()).withTimeout(20).exec();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void kill() {
    lock.lock();
    try {
      var state = state();
      if (!Boolean.TRUE.equals(state.getRunning())) {
        return;
      }
      if (Boolean.TRUE.equals(state.getPaused())) {
        // A frozen cgroup delivers SIGKILL only once thawed.
        client().unpauseContainerCmd(container.getContainerId()).exec();
      }
      client().killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
      if (!Poll.until(Duration.ofSeconds(10), () -> !Boolean.TRUE.equals(state().getRunning()))) {
        throw new TestServerException(name + " still runs 10 s after docker kill");
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs a command inside the running container and fails unless it exits with 0.
   *
   * @param command the command and its arguments (no shell unless given one)
   * @return what it printed on stdout
   * @throws TestServerException if the container is not running, or the command fails
   */
  public String exec(String... command) {
    try {
      InspectContainerResponse info =
          client().inspectContainerCmd(container.getContainerId()).exec();
      Container.ExecResult r = ExecInContainerPattern.execInContainer(client(), info, command);
      if (r.getExitCode() != 0) {
        throw new TestServerException(
            name
                + ": '"
                + String.join(" ", command)
                + "' exited with "
                + r.getExitCode()
                + ": "
                + r.getStderr().trim());
      }
      return r.getStdout();
    } catch (java.io.IOException | UnsupportedOperationException e) {
      throw new TestServerException(
          name + ": cannot run '" + String.join(" ", command) + "': " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestServerException(
          name + ": interrupted while running '" + String.join(" ", command) + "'", e);
    }
  }

  @Override
  public void pause() {
    lock.lock();
    try {
      var state = state();
      if (!Boolean.TRUE.equals(state.getRunning())) {
        throw new IllegalStateException(name + " is not running, so it cannot be paused");
      }
      if (!Boolean.TRUE.equals(state.getPaused())) {
        client().pauseContainerCmd(container.getContainerId()).exec();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void resume() {
    lock.lock();
    try {
      var state = state();
      if (Boolean.TRUE.equals(state.getPaused())) {
        client().unpauseContainerCmd(container.getContainerId()).exec();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isRunning() {
    var state = state();
    return Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getPaused());
  }

  @Override
  public void destroy() {
    try {
      resume();
    } catch (RuntimeException e) {
      LOG.debug("could not unpause {} before removal: {}", name, e.getMessage());
    }
    if (testcontainersRemovesAtExit()) {
      // Ryuk disabled: Testcontainers' own JVM hook removes this session's containers at
      // exit. Removing them here as well races that hook, and its loser prints "No such
      // container" with a stack trace from a hook thread at the end of a passing run.
      return;
    }
    try {
      container.stop();
    } catch (RuntimeException e) {
      LOG.warn("could not remove container of {}: {}", name, e.getMessage());
    }
  }

  /**
   * Whether Testcontainers reaps with a JVM shutdown hook (Ryuk disabled) rather than with Ryuk.
   */
  static boolean testcontainersRemovesAtExit() {
    try {
      return ResourceReaper.instance().getClass().getSimpleName().equals("JVMHookResourceReaper");
    } catch (RuntimeException e) {
      return false;
    }
  }

  private String tail() {
    try {
      String logs = container.getLogs();
      String[] lines = logs.lines().toArray(String[]::new);
      return String.join(
          "\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 20), lines.length));
    } catch (RuntimeException e) {
      return "(logs unavailable: " + e.getMessage() + ")";
    }
  }
}
