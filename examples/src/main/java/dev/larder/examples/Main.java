package dev.larder.examples;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The examples' entry point, run by the README's first command: starts (or connects to) the
 * catalog's servers, walks the scripted scenario printing evidence for each pattern, ends with a
 * summary table, and fails if any step's evidence did not hold.
 *
 * <pre>
 * ./mvnw -B -q -Pexamples -pl examples -am verify                      # the testkit's servers (auto)
 * java ... dev.larder.examples.Main --jdbc-primary jdbc:postgresql://db1/shop \
 *     --jdbc-standby jdbc:postgresql://db2/shop --jdbc-user app --jdbc-password secret \
 *     --redis redis://cache:6379 --mongo mongodb://mongo:27017
 * </pre>
 */
public final class Main {
  private static final Set<String> OPTIONS =
      Set.of(
          "--jdbc-primary",
          "--jdbc-standby",
          "--jdbc-user",
          "--jdbc-password",
          "--redis",
          "--mongo");

  private Main() {}

  /**
   * Runs the scenario.
   *
   * @param args none for the testkit's servers, or every server option (see the class doc)
   * @throws IllegalArgumentException if the options are incomplete or unknown
   * @throws IllegalStateException if a step's evidence did not hold
   */
  public static void main(String[] args) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(usage());
      return;
    }
    // No tier override: the testkit's auto takes containers only when the engine already has every
    // image (it never pulls, so it cannot stall), and embedded servers otherwise.
    List<StepResult> results = run(args, new Console(System.out), true);
    long failed = results.stream().filter(r -> !r.held()).count();
    if (failed > 0) {
      throw new IllegalStateException(
          failed
              + " of "
              + results.size()
              + " steps' evidence did not hold; see the summary above.");
    }
  }

  /**
   * Runs the scenario and prints its summary.
   *
   * @param args the command line
   * @param console where to print
   * @param stopOwnedServers whether to stop the servers the program started once it is done (a test
   *     JVM leaves them to the testkit, which stops them at exit)
   * @return the steps' results
   */
  static List<StepResult> run(String[] args, Console console, boolean stopOwnedServers) {
    long start = System.nanoTime();
    Servers servers = servers(parse(args), console);
    console.line("Servers: " + servers.description());
    List<StepResult> results;
    try {
      results = new CatalogScenario(servers, console).run();
    } finally {
      if (stopOwnedServers) {
        console.line("stopping the servers this program started ...");
        servers.stopOwned().run();
      }
    }
    console.summary(results, Duration.ofNanos(System.nanoTime() - start));
    return results;
  }

  private static Servers servers(Map<String, String> options, Console console) {
    if (options.isEmpty()) {
      console.line("Larder examples: a product catalog on servers started by the testkit");
      return Servers.fromTestkit(what -> console.line("  starting " + what + " ..."));
    }
    for (String required : List.of("--jdbc-primary", "--jdbc-standby", "--redis", "--mongo")) {
      if (!options.containsKey(required)) {
        throw new IllegalArgumentException(
            required + " is required with external servers but was not given\n" + usage());
      }
    }
    console.line("Larder examples: a product catalog on external servers");
    return Servers.external(
        given(options, "--jdbc-primary"),
        given(options, "--jdbc-standby"),
        options.getOrDefault("--jdbc-user", "postgres"),
        options.getOrDefault("--jdbc-password", ""),
        given(options, "--redis"),
        given(options, "--mongo"));
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("option " + arg + " needs a value\n" + usage());
      }
      if (!OPTIONS.contains(name)) {
        throw new IllegalArgumentException("unknown option '" + name + "'\n" + usage());
      }
      options.put(name, value);
    }
    return options;
  }

  /** An option checked above to be present. */
  private static String given(Map<String, String> options, String name) {
    return Objects.requireNonNull(options.get(name), name);
  }

  @SuppressWarnings("StringConcatToTextBlock") // one long usage line, split at 100 columns
  static String usage() {
    return String.join(
        "\n",
        "usage: Main                      start servers through the testkit: containers when a Docker"
            + " engine already has their images, else embedded (LARDER_TEST_SERVICES=docker|embedded"
            + " forces one)",
        "       Main --jdbc-primary URL --jdbc-standby URL [--jdbc-user U] [--jdbc-password P] --redis URI --mongo URI",
        "  --jdbc-primary  JDBC URL of the PostgreSQL primary (migrations run there)",
        "  --jdbc-standby  JDBC URL of its streaming standby (the user may call pg_wal_replay_pause/resume)",
        "  --redis         redis://host:port",
        "  --mongo         mongodb:// connection string");
  }
}
