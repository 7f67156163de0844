package dev.larder.testkit.internal;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.larder.testkit.MongoFeature;
import dev.larder.testkit.MongoServer;
import dev.larder.testkit.TestServerException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.mongodb.MongoDBContainer;
import org.testcontainers.utility.DockerImageName;

/** Starts MongoDB: a real mongod container, or the in-process mongo-java-server stand-in. */
public final class MongoFactory {

  private static final Logger LOG = LoggerFactory.getLogger(MongoFactory.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private MongoFactory() {}

  /**
   * The in-process stand-in with an in-memory backend and its oplog on (change streams need it).
   *
   * @param onExit registers teardown for JVM exit
   * @return the running server
   */
  public static MongoServer embedded(Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    StandIn server = new StandIn(Ports.free());
    onExit.accept(server::destroy);
    server.start();
    LOG.info(
        "larder-testkit: started MongoDB {} on {} in {} ms",
        server.flavour(),
        server.connectionString(),
        Millis.since(t0));
    return server;
  }

  /**
   * A real mongod from the image as a single-node replica set, on a fixed loopback port.
   *
   * @param image image name, used as a substitute for {@code mongo}
   * @param onExit registers teardown for JVM exit
   * @return the running server
   */
  public static MongoServer docker(String image, Consumer<Runnable> onExit) {
    long t0 = System.nanoTime();
    Images.require(
        image, "MongoDB", Settings.MONGO_IMAGE_PROPERTY + " / " + Settings.MONGO_IMAGE_ENV);
    int port = Ports.free();
    @SuppressWarnings("resource") // closed by the exit hook through its lifecycle
    MongoDBContainer container =
        new MongoDBContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("mongo"))
            .withReplicaSet()
            .withStartupTimeout(START_TIMEOUT);
    ContainerLifecycle.bindFixedPort(container, 27017, port);
    ContainerLifecycle lifecycle =
        new ContainerLifecycle(
            "MongoDB container " + image, container, START_TIMEOUT, () -> accepts(port));
    onExit.accept(lifecycle::destroy);
    try {
      container.start();
    } catch (RuntimeException e) {
      throw new TestServerException(
          "MongoDB container from image "
              + image
              + " did not start: "
              + e.getMessage()
              + ". Where no MongoDB image can be had, set "
              + Settings.MONGO_ENV
              + "=embedded (the stand-in).",
          e);
    }
    // directConnection: the replica set's member name is the container's own host name,
    // which the host cannot resolve; a single node needs no discovery.
    String connectionString =
        "mongodb://" + Ports.LOOPBACK + ":" + port + "/?directConnection=true";
    Real server = new Real(image, connectionString, lifecycle);
    LOG.info(
        "larder-testkit: started MongoDB container {} (single-node replica set) on {} in {} ms",
        image,
        connectionString,
        Millis.since(t0));
    return server;
  }

  @SuppressWarnings("AddressSelection") // a literal loopback address: no name is resolved
  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(Ports.LOOPBACK, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static final class Real extends LifecycleServer implements MongoServer {
    private final String image;
    private final String connectionString;
    private final Lifecycle lifecycle;

    Real(String image, String connectionString, Lifecycle lifecycle) {
      this.image = image;
      this.connectionString = connectionString;
      this.lifecycle = lifecycle;
    }

    @Override
    public String connectionString() {
      return connectionString;
    }

    @Override
    public String uniqueDatabaseName(String hint) {
      return Names.databaseName(hint);
    }

    @Override
    public Set<MongoFeature> features() {
      return Collections.unmodifiableSet(EnumSet.allOf(MongoFeature.class));
    }

    @Override
    public String flavour() {
      return image + " (mongod, single-node replica set)";
    }

    @Override
    public String name() {
      return "mongo";
    }

    @Override
    protected Lifecycle lifecycle() {
      return lifecycle;
    }
  }

  /**
   * mongo-java-server's {@code shutdown} closes (empties) its backend; a stopped-then-started
   * server keeps its data, as a real one does, so closing waits for JVM exit.
   */
  private static final class RetainingBackend extends MemoryBackend {
    private volatile boolean closing;

    @Override
    public void close() {
      if (closing) {
        super.close();
      }
    }

    void closeForGood() {
      closing = true;
      close();
    }
  }

  /**
   * mongo-java-server in this JVM. Stop and start keep the data (the backend outlives the
   * listener).
   */
  private static final class StandIn implements MongoServer {
    private static final Pattern JAR_VERSION =
        Pattern.compile("mongo-java-server-core-([0-9.]+)\\.jar");

    private final int port;
    private final RetainingBackend backend = new RetainingBackend();
    private final ReentrantLock lock = new ReentrantLock();
    private de.bwaldvogel.mongo.@Nullable MongoServer server;

    StandIn(int port) {
      this.port = port;
      backend.enableOplog();
    }

    @Override
    public String connectionString() {
      return "mongodb://" + Ports.LOOPBACK + ":" + port + "/";
    }

    @Override
    public String uniqueDatabaseName(String hint) {
      return Names.databaseName(hint);
    }

    @Override
    public Set<MongoFeature> features() {
      return Collections.unmodifiableSet(EnumSet.of(MongoFeature.CHANGE_STREAMS));
    }

    @Override
    public String flavour() {
      String version = "?";
      try {
        var source = de.bwaldvogel.mongo.MongoServer.class.getProtectionDomain().getCodeSource();
        if (source != null) {
          Matcher m = JAR_VERSION.matcher(source.getLocation().toString());
          if (m.find()) {
            version = m.group(1);
          }
        }
      } catch (SecurityException ignored) {
        // version unknown; the flavour still says what it is
      }
      return "mongo-java-server " + version + " (stand-in)";
    }

    @Override
    public String name() {
      return "mongo";
    }

    @Override
    public void stop() {
      lock.lock();
      try {
        de.bwaldvogel.mongo.MongoServer s = server;
        if (s != null) {
          s.shutdownNow();
          server = null;
        }
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void start() {
      lock.lock();
      try {
        if (server == null) {
          de.bwaldvogel.mongo.MongoServer s = new de.bwaldvogel.mongo.MongoServer(backend);
          try {
            s.bind(Ports.LOOPBACK, port);
          } catch (RuntimeException e) {
            throw new TestServerException(
                "mongo-java-server cannot bind "
                    + Ports.LOOPBACK
                    + ":"
                    + port
                    + ": "
                    + e.getMessage(),
                e);
          }
          server = s;
        }
      } finally {
        lock.unlock();
      }
    }

    void destroy() {
      stop();
      backend.closeForGood();
    }

    @Override
    public void pause() {
      throw new UnsupportedOperationException(
          "the MongoDB stand-in ("
              + flavour()
              + ") runs inside the test JVM and cannot be frozen; pause needs the docker flavour");
    }

    @Override
    public void resume() {
      throw new UnsupportedOperationException(
          "the MongoDB stand-in ("
              + flavour()
              + ") runs inside the test JVM and cannot be frozen; pause needs the docker flavour");
    }

    @Override
    public boolean isRunning() {
      return server != null;
    }
  }
}
