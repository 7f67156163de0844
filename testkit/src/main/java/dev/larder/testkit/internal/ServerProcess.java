package dev.larder.testkit.internal;

import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server run as a child process: started with a fixed command line (so it comes back on the same
 * port), frozen with SIGSTOP to it and all its descendants (PostgreSQL serves each connection from
 * a forked backend), stopped with a chosen signal.
 */
public final class ServerProcess implements Lifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ServerProcess.class);

  private final String name;
  private final List<String> command;
  private final Path workDir;
  private final Path logFile;
  private final Duration startTimeout;
  private final BooleanSupplier ready;
  private final String stopSignal;
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Process process;
  private boolean paused;

  /**
   * Describes the process; nothing runs until {@link #start()}.
   *
   * @param name for logs and errors
   * @param command the command line
   * @param workDir working directory
   * @param logFile where stdout and stderr go (appended)
   * @param startTimeout how long {@link #start()} waits for readiness
   * @param ready readiness probe, polled every 50 ms
   * @param stopSignal signal that makes the server shut down cleanly ({@code TERM}, {@code INT})
   */
  public ServerProcess(
      String name,
      List<String> command,
      Path workDir,
      Path logFile,
      Duration startTimeout,
      BooleanSupplier ready,
      String stopSignal) {
    this.name = name;
    this.command = List.copyOf(command);
    this.workDir = workDir;
    this.logFile = logFile;
    this.startTimeout = startTimeout;
    this.ready = ready;
    this.stopSignal = stopSignal;
  }

  @Override
  public void start() {
    lock.lock();
    try {
      Process p = process;
      if (p != null && p.isAlive()) {
        return;
      }
      try {
        p =
            new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
      } catch (IOException e) {
        throw new TestServerException(
            "cannot start " + name + " ('" + String.join(" ", command) + "'): " + e.getMessage(),
            e);
      }
      process = p;
      paused = false;
      writePidFile(p.pid());
      Process started = p;
      boolean up = Poll.until(startTimeout, () -> !started.isAlive() || ready.getAsBoolean());
      if (!up || !started.isAlive()) {
        String why =
            started.isAlive()
                ? "did not become ready within " + startTimeout.toSeconds() + " s"
                : "exited with code " + exitCode(started);
        started.destroyForcibly();
        throw new TestServerException(
            name + " " + why + "; last lines of " + logFile + ":\n" + Commands.tail(logFile, 25));
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void stop() {
    lock.lock();
    try {
      Process p = process;
      if (p == null || !p.isAlive()) {
        return;
      }
      if (paused) {
        resume();
      }
      Commands.signal(stopSignal, List.of(p.pid()));
      if (!waitFor(p, 30)) {
        LOG.warn("{} did not stop within 30 s after SIG{}; killing it", name, stopSignal);
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        waitFor(p, 10);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void kill() {
    lock.lock();
    try {
      Process p = process;
      if (p == null || !p.isAlive()) {
        return;
      }
      // SIGKILL reaches a stopped (paused) process too; children first would let the parent
      // notice, so the whole tree at once.
      List<Long> pids = new ArrayList<>();
      pids.add(p.pid());
      p.descendants().forEach(h -> pids.add(h.pid()));
      Commands.signal("KILL", pids);
      if (!waitFor(p, 10)) {
        throw new TestServerException(name + " did not die within 10 s of SIGKILL");
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void pause() {
    lock.lock();
    try {
      Process p = process;
      if (p == null || !p.isAlive()) {
        throw new IllegalStateException(name + " is not running, so it cannot be paused");
      }
      if (paused) {
        return;
      }
      // The parent first, so it forks no new child between listing and stopping.
      Commands.signal("STOP", List.of(p.pid()));
      List<Long> children = new ArrayList<>();
      p.descendants().forEach(h -> children.add(h.pid()));
      Commands.signal("STOP", children);
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void resume() {
    lock.lock();
    try {
      Process p = process;
      if (p == null || !p.isAlive() || !paused) {
        return;
      }
      List<Long> children = new ArrayList<>();
      p.descendants().forEach(h -> children.add(h.pid()));
      Commands.signal("CONT", children);
      Commands.signal("CONT", List.of(p.pid()));
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isRunning() {
    lock.lock();
    try {
      Process p = process;
      return p != null && p.isAlive() && !paused;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The process id while running.
   *
   * @return the pid, or -1 when not started
   */
  public long pid() {
    Process p = process;
    return p == null ? -1 : p.pid();
  }

  @Override
  public void destroy() {
    try {
      stop();
    } catch (RuntimeException e) {
      LOG.warn("could not stop {} cleanly: {}", name, e.getMessage());
      Process p = process;
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }

  /**
   * Leaves the pid beside the log, so that a later JVM can kill this server if this JVM dies
   * without running its shutdown hook ({@link RunDirs#sweepLeftovers()}).
   */
  private void writePidFile(long pid) {
    String file = logFile.getFileName().toString().replaceFirst("\\.log$", "") + ".pid";
    try {
      java.nio.file.Files.writeString(logFile.resolveSibling(file), Long.toString(pid));
    } catch (IOException e) {
      LOG.debug("cannot write pid file for {}: {}", name, e.getMessage());
    }
  }

  private static boolean waitFor(Process p, int seconds) {
    try {
      return p.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String exitCode(Process p) {
    try {
      return Integer.toString(p.exitValue());
    } catch (IllegalThreadStateException e) {
      return "?";
    }
  }
}
