package dev.larder.testkit.internal;

import dev.larder.testkit.PostgresCluster;
import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** Starts a PostgreSQL primary and a streaming hot standby in either tier. */
public final class PostgresFactory {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresFactory.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final String USER = "larder";
  private static final String PASSWORD = "larder";

  /** Settings both tiers give the primary (the standby inherits them). */
  private static final List<String> SERVER_SETTINGS =
      List.of(
          "wal_level=replica",
          "max_wal_senders=10",
          "max_replication_slots=10",
          "hot_standby=on",
          // keeps WAL for a standby that was stopped for a fault test
          "wal_keep_size=256MB",
          // a standby retries a lost primary every 0.5 s, not every 5 s
          "wal_retrieve_retry_interval=500ms",
          // test data is disposable; durability costs seconds on a 2-core machine
          "fsync=off",
          "shared_buffers=32MB",
          "max_connections=200");

  private PostgresFactory() {}

  /**
   * Embedded tier: zonky's PostgreSQL binaries, run by the testkit itself (as an unprivileged user
   * when the JVM is root). The standby is a copy of the primary's freshly initialised, cleanly shut
   * down data directory with {@code standby.signal} and {@code primary_conninfo}.
   *
   * @param osUser user to run as when the JVM is root
   * @param onExit registers teardown for JVM exit
   * @return the running cluster, streaming
   */
  public static PostgresCluster embedded(String osUser, Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    Path install = BinaryCache.postgres();
    long extracted = Millis.since(t0);
    OsUser user = OsUser.forPostgres(osUser);
    Path runDir;
    try {
      runDir = RunDirs.create("postgres");
      user.own(runDir);
    } catch (IOException e) {
      throw new TestServerException(
          "cannot create a directory for embedded PostgreSQL: " + e.getMessage(), e);
    }
    List<Runnable> teardown = new ArrayList<>();
    onExit.accept(
        () -> {
          for (int i = teardown.size() - 1; i >= 0; i--) {
            teardown.get(i).run();
          }
          Commands.deleteQuietly(runDir);
        });
    // As root, the server runs as another user: it must reach the binaries and its data.
    user.requireCanEnter(install.resolve("bin"));
    user.requireCanEnter(runDir);
    Path bin = install.resolve("bin");
    Path primaryDir = runDir.resolve("primary");
    Path standbyDir = runDir.resolve("standby");
    int primaryPort = Ports.free();
    int standbyPort = Ports.free();

    long t1 = System.nanoTime();
    Commands.run(
        user.wrap(
            List.of(
                bin.resolve("initdb").toString(),
                "-D",
                primaryDir.toString(),
                "-U",
                USER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync")),
        runDir,
        120);
    long initdb = Millis.since(t1);
    try {
      // TCP only: a Unix socket under the run directory fails the start when java.io.tmpdir
      // is deep (socket paths are limited to 107 bytes), and every client here uses TCP.
      List<String> conf =
          new ArrayList<>(
              List.of(
                  "",
                  "# larder-testkit",
                  "listen_addresses = '127.0.0.1'",
                  "unix_socket_directories = ''"));
      for (String s : SERVER_SETTINGS) {
        int eq = s.indexOf('=');
        conf.add(s.substring(0, eq) + " = '" + s.substring(eq + 1) + "'");
      }
      Files.write(
          primaryDir.resolve("postgresql.conf"),
          conf,
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      Files.write(
          primaryDir.resolve("pg_hba.conf"),
          List.of("host replication all 127.0.0.1/32 trust"),
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      // initdb leaves a cleanly shut down cluster: copying it now is the checked recipe
      // (stop cleanly, copy) without a start and stop in between.
      Commands.run(List.of("cp", "-a", primaryDir.toString(), standbyDir.toString()), runDir, 60);
      Path signal = Files.createFile(standbyDir.resolve("standby.signal"));
      user.own(signal);
      Files.write(
          standbyDir.resolve("postgresql.auto.conf"),
          List.of(
              "primary_conninfo = 'host=127.0.0.1 port="
                  + primaryPort
                  + " user="
                  + USER
                  + " application_name=larder_standby'"),
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new TestServerException(
          "cannot prepare PostgreSQL data directories in " + runDir + ": " + e.getMessage(), e);
    }

    PostgresServerImpl primary =
        new PostgresServerImpl("postgres-primary", primaryPort, USER, PASSWORD);
    PostgresServerImpl standby =
        new PostgresServerImpl("postgres-standby", standbyPort, USER, PASSWORD);
    ServerProcess primaryProcess =
        new ServerProcess(
            "embedded PostgreSQL primary",
            user.wrap(
                List.of(
                    bin.resolve("postgres").toString(),
                    "-D",
                    primaryDir.toString(),
                    "-p",
                    Integer.toString(primaryPort))),
            runDir,
            runDir.resolve("primary.log"),
            START_TIMEOUT,
            primary::answers,
            "INT");
    ServerProcess standbyProcess =
        new ServerProcess(
            "embedded PostgreSQL standby",
            user.wrap(
                List.of(
                    bin.resolve("postgres").toString(),
                    "-D",
                    standbyDir.toString(),
                    "-p",
                    Integer.toString(standbyPort))),
            runDir,
            runDir.resolve("standby.log"),
            START_TIMEOUT,
            standby::answers,
            "INT");
    teardown.add(primaryProcess::destroy);
    teardown.add(standbyProcess::destroy);
    primary.attach(primaryProcess);
    standby.attach(standbyProcess);

    long t2 = System.nanoTime();
    primaryProcess.start();
    long primaryUp = Millis.since(t2);
    long t3 = System.nanoTime();
    standbyProcess.start();
    PostgresClusterImpl cluster = new PostgresClusterImpl(primary, standby);
    cluster.awaitStreaming(START_TIMEOUT);
    long standbyUp = Millis.since(t3);
    LOG.info(
        "larder-testkit: started embedded PostgreSQL {} (zonky binaries{}) primary on {}:{} and streaming standby on {}:{}"
            + " in {} ms (binaries {} ms, initdb {} ms, primary {} ms, standby {} ms)",
        install.getFileName(),
        user.switchesUser() ? ", run as '" + user.name() + "' because the JVM is root" : "",
        Ports.LOOPBACK,
        primaryPort,
        Ports.LOOPBACK,
        standbyPort,
        Millis.since(t0),
        extracted,
        initdb,
        primaryUp,
        standbyUp);
    return cluster;
  }

  /**
   * Docker tier: a primary container and a standby container on one network; the standby is made
   * with {@code pg_basebackup -R -X stream} from the primary on its first start.
   *
   * @param image image name, used as a substitute for {@code postgres}
   * @param onExit registers teardown for JVM exit
   * @return the running cluster, streaming
   */
  public static PostgresCluster docker(String image, Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    Images.require(
        image,
        "PostgreSQL",
        Settings.POSTGRES_IMAGE_PROPERTY + " / " + Settings.POSTGRES_IMAGE_ENV);
    DockerImageName imageName = DockerImageName.parse(image).asCompatibleSubstituteFor("postgres");
    Network network = Network.newNetwork();
    List<Runnable> teardown = new ArrayList<>();
    onExit.accept(
        () -> {
          for (int i = teardown.size() - 1; i >= 0; i--) {
            teardown.get(i).run();
          }
          try {
            network.close();
          } catch (RuntimeException e) {
            LOG.warn("could not remove the PostgreSQL network: {}", e.getMessage());
          }
        });
    int primaryPort = Ports.free();
    int standbyPort = Ports.free();
    PostgresServerImpl primary =
        new PostgresServerImpl("postgres-primary", primaryPort, USER, PASSWORD);
    PostgresServerImpl standby =
        new PostgresServerImpl("postgres-standby", standbyPort, USER, PASSWORD);

    List<String> command = new ArrayList<>(List.of("postgres"));
    for (String s : SERVER_SETTINGS) {
      command.add("-c");
      command.add(s);
    }
    @SuppressWarnings("resource") // closed by the exit hook through its lifecycle
    PostgreSQLContainer primaryContainer =
        new PostgreSQLContainer(imageName)
            .withUsername(USER)
            .withPassword(PASSWORD)
            .withDatabaseName(PostgresServerImpl.DEFAULT_DATABASE)
            .withNetwork(network)
            .withNetworkAliases("larder-primary")
            .withCopyToContainer(
                Transferable.of(
                    "echo 'host replication all all trust' >> \"$PGDATA/pg_hba.conf\"\n", 0755),
                "/docker-entrypoint-initdb.d/10-larder-replication.sh")
            .withStartupTimeout(START_TIMEOUT);
    primaryContainer.setCommand(command.toArray(new String[0]));
    ContainerLifecycle.bindFixedPort(primaryContainer, 5432, primaryPort);
    ContainerLifecycle primaryLifecycle =
        new ContainerLifecycle(
            "PostgreSQL primary container " + image,
            primaryContainer,
            START_TIMEOUT,
            primary::answers);
    teardown.add(primaryLifecycle::destroy);
    primary.attach(primaryLifecycle);
    try {
      primaryContainer.start();
    } catch (RuntimeException e) {
      throw new TestServerException(
          "PostgreSQL primary container from image " + image + " did not start: " + e.getMessage(),
          e);
    }
    if (!Poll.until(START_TIMEOUT, primary::answers)) {
      throw new TestServerException(
          "PostgreSQL primary container does not answer on " + primary.jdbcUrl());
    }
    long primaryUp = Millis.since(t0);

    long t1 = System.nanoTime();
    String standbyScript =
        String.join(
            "\n",
            "#!/bin/bash",
            "# First start: clone the primary. Later starts (docker start after a fault) reuse the data.",
            "set -euo pipefail",
            "export PGDATA=${PGDATA:-/var/lib/postgresql/data}",
            "as_postgres() { if command -v gosu >/dev/null; then gosu postgres \"$@\"; else setpriv --reuid=postgres --regid=postgres --init-groups \"$@\"; fi; }",
            "if [ ! -s \"$PGDATA/PG_VERSION\" ]; then",
            "  mkdir -p \"$PGDATA\" && chown -R postgres:postgres \"$PGDATA\" && chmod 700 \"$PGDATA\"",
            "  as_postgres pg_basebackup -h larder-primary -p 5432 -U "
                + USER
                + " -D \"$PGDATA\" -R -X stream",
            "fi",
            // a hot standby refuses to run with lower limits (max_connections...) than its primary
            "exec docker-entrypoint.sh " + String.join(" ", command),
            "");
    @SuppressWarnings("resource") // closed by the exit hook through its lifecycle
    GenericContainer<?> standbyContainer =
        new GenericContainer<>(imageName)
            .withNetwork(network)
            .withEnv("POSTGRES_PASSWORD", PASSWORD)
            .withCopyToContainer(
                Transferable.of(standbyScript, 0755), "/usr/local/bin/larder-standby.sh")
            .withCreateContainerCmdModifier(
                cmd -> cmd.withEntrypoint("/usr/local/bin/larder-standby.sh").withCmd(List.of()))
            .waitingFor(Wait.forLogMessage(".*ready to accept read-only connections.*", 1))
            .withStartupTimeout(START_TIMEOUT);
    ContainerLifecycle.bindFixedPort(standbyContainer, 5432, standbyPort);
    ContainerLifecycle standbyLifecycle =
        new ContainerLifecycle(
            "PostgreSQL standby container " + image,
            standbyContainer,
            START_TIMEOUT,
            standby::answers);
    teardown.add(standbyLifecycle::destroy);
    standby.attach(standbyLifecycle);
    try {
      standbyContainer.start();
    } catch (RuntimeException e) {
      throw new TestServerException(
          "PostgreSQL standby container from image " + image + " did not start: " + e.getMessage(),
          e);
    }
    PostgresClusterImpl cluster = new PostgresClusterImpl(primary, standby);
    if (!Poll.until(START_TIMEOUT, standby::answers)) {
      throw new TestServerException(
          "PostgreSQL standby container does not answer on " + standby.jdbcUrl());
    }
    cluster.awaitStreaming(START_TIMEOUT);
    long standbyUp = Millis.since(t1);
    LOG.info(
        "larder-testkit: started PostgreSQL containers {}: primary on {}:{} and streaming standby on {}:{} in {} ms"
            + " (primary {} ms, standby {} ms)",
        image,
        Ports.LOOPBACK,
        primaryPort,
        Ports.LOOPBACK,
        standbyPort,
        Millis.since(t0),
        primaryUp,
        standbyUp);
    return cluster;
  }
}
