package dev.larder.testkit.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Says, without asking Testcontainers, whether any Docker engine could be configured here. When
 * none is, Testcontainers' discovery logs an ERROR ("Could not find a valid Docker environment")
 * before the testkit falls back to the embedded tier, and a healthy run looks broken; so the probe
 * asks this first and, on "nothing here", skips the discovery. Anything that might point at an
 * engine (an environment variable Docker or Testcontainers reads, an engine or a strategy other
 * than the socket one in Testcontainers' properties file, a Docker context, any of the sockets that
 * Docker, Docker Desktop, rootless Docker, Colima, Rancher Desktop, OrbStack and Podman create)
 * sends the question on to Testcontainers, as does any OS but Linux and macOS.
 */
public final class DockerEndpoints {

  private DockerEndpoints() {}

  /**
   * Looks at this process's environment and files.
   *
   * @return null if an engine may be configured, else why none can be
   */
  public static @Nullable String nothingConfigured() {
    String home = System.getProperty("user.home", "");
    Properties tc = new Properties();
    if (!home.isEmpty()) {
      try (Reader r = Files.newBufferedReader(Path.of(home, ".testcontainers.properties"))) {
        tc.load(r);
      } catch (IOException | RuntimeException e) {
        // absent or unreadable: Testcontainers would find nothing in it either
      }
    }
    Map<String, String> settings = new HashMap<>();
    tc.stringPropertyNames().forEach(k -> settings.put(k, tc.getProperty(k)));
    return nothingConfigured(
        System.getenv(), settings, home, System.getProperty("os.name", ""), Files::exists);
  }

  /**
   * The decision on given facts.
   *
   * @param env the environment
   * @param testcontainers the settings in {@code ~/.testcontainers.properties}
   * @param home the user's home directory
   * @param osName {@code os.name}
   * @param exists says whether a path exists
   * @return null if an engine may be configured, else why none can be
   */
  static @Nullable String nothingConfigured(
      Map<String, String> env,
      Map<String, String> testcontainers,
      String home,
      String osName,
      Predicate<Path> exists) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (!os.contains("linux") && !os.contains("mac")) {
      return null; // Windows' named pipes and the rest: leave them to Testcontainers
    }
    for (String name : env.keySet()) {
      if (name.equals("DOCKER_HOST")
          || name.equals("DOCKER_CONTEXT")
          || name.startsWith("TESTCONTAINERS_")) {
        return null;
      }
    }
    // Testcontainers writes the strategy that worked into this file; the socket strategy alone
    // says nothing (the sockets are looked at below), anything else may reach an engine.
    for (Map.Entry<String, String> e : testcontainers.entrySet()) {
      boolean socketStrategy =
          e.getKey().equals("docker.client.strategy")
              && e.getValue()
                  .trim()
                  .equals("org.testcontainers.dockerclient.UnixSocketClientProviderStrategy");
      if (!socketStrategy
          && (e.getKey().startsWith("docker.") || e.getKey().startsWith("tc.host"))) {
        return null;
      }
    }
    List<Path> candidates = new ArrayList<>();
    candidates.add(Path.of("/var/run/docker.sock"));
    candidates.add(Path.of("/run/docker.sock"));
    candidates.add(Path.of("/run/podman/podman.sock"));
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isEmpty()) {
      candidates.add(Path.of(runtime, "docker.sock"));
      candidates.add(Path.of(runtime, "podman", "podman.sock"));
    }
    if (!home.isEmpty()) {
      candidates.add(Path.of(home, ".docker", "contexts"));
      candidates.add(Path.of(home, ".docker", "run", "docker.sock"));
      candidates.add(Path.of(home, ".docker", "desktop", "docker.sock"));
      candidates.add(Path.of(home, ".colima"));
      candidates.add(Path.of(home, ".rd", "docker.sock"));
      candidates.add(Path.of(home, ".orbstack", "run", "docker.sock"));
    }
    for (Path p : candidates) {
      if (exists.test(p)) {
        return null;
      }
    }
    return "no Docker engine is configured here (no DOCKER_HOST, DOCKER_CONTEXT or TESTCONTAINERS_* variable, "
        + "no engine in ~/.testcontainers.properties, no Docker context, none of "
        + candidates
        + " exists)";
  }
}
