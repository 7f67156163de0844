package dev.larder.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each wiring class can be copied alone: it compiles with {@link Product} and only the Larder
 * modules it names (plus the Larder modules those depend on), without the testkit, the other wiring
 * classes or the other pattern modules.
 */
class WiringIsolationTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/larder/examples");
  private static final Pattern LARDER_IMPORT =
      Pattern.compile("^import dev\\.larder\\.(\\w+)\\.", Pattern.MULTILINE);

  /** What each Larder module brings along (its own Larder dependencies). */
  private static final Map<String, Set<String>> CLOSURE =
      Map.of(
          "core", Set.of("core"),
          "resilience", Set.of("core", "resilience"),
          "cache", Set.of("core", "resilience", "cache"),
          "jdbc", Set.of("core", "resilience", "jdbc"),
          "mongo", Set.of("core", "resilience", "mongo"));

  static Stream<Arguments> wirings() {
    return Stream.of(
        Arguments.of("CacheAsideWiring", Set.of("cache")),
        Arguments.of("InvalidationWiring", Set.of("cache")),
        Arguments.of("OutboxInvalidationWiring", Set.of("core", "cache", "jdbc")),
        Arguments.of("StaleFallbackWiring", Set.of("cache", "resilience")),
        Arguments.of("RetryWiring", Set.of("resilience")),
        Arguments.of("ReplicaRoutingWiring", Set.of("jdbc")),
        Arguments.of("PoolTuningWiring", Set.of("jdbc")),
        Arguments.of("KeysetPagingWiring", Set.of("core", "jdbc")),
        Arguments.of("MongoWiring", Set.of("core", "mongo")),
        Arguments.of("MongoInvalidationWiring", Set.of("core", "cache", "mongo")));
  }

  @ParameterizedTest(name = "{0} imports larder-{1} and what they bring, nothing else")
  @MethodSource("wirings")
  void importsOnlyTheModulesItNames(String wiring, Set<String> modules) throws IOException {
    String source = Files.readString(SOURCES.resolve(wiring + ".java"));
    Set<String> imported = new TreeSet<>();
    Matcher m = LARDER_IMPORT.matcher(source);
    while (m.find()) {
      imported.add(m.group(1));
    }
    Set<String> closure = new TreeSet<>();
    modules.forEach(mod -> closure.addAll(CLOSURE.get(mod)));
    assertThat(imported)
        .as("Larder modules imported by %s", wiring)
        .containsAll(modules)
        .isSubsetOf(closure);
  }

  @ParameterizedTest(name = "{0} compiles with larder-{1} alone")
  @MethodSource("wirings")
  void compilesWithOnlyTheModulesItNames(
      String wiring, Set<String> modules, @org.junit.jupiter.api.io.TempDir Path out)
      throws IOException {
    Set<String> allowed = new TreeSet<>();
    modules.forEach(mod -> allowed.addAll(CLOSURE.get(mod)));
    List<String> classpath = new ArrayList<>();
    Set<String> excluded = new TreeSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String module = larderModule(entry);
      if (module == null || allowed.contains(module)) {
        classpath.add(entry);
      } else {
        excluded.add(module);
      }
    }
    assertThat(excluded)
        .as("Larder modules kept off the class path")
        .contains("testkit", "examples");

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    var files = javac.getStandardFileManager(null, null, null);
    var units =
        files.getJavaFileObjects(
            SOURCES.resolve(wiring + ".java").toFile(), SOURCES.resolve("Product.java").toFile());
    boolean ok =
        javac
            .getTask(
                diagnostics,
                files,
                null,
                List.of(
                    "-proc:none",
                    "-d",
                    out.toString(),
                    "-cp",
                    String.join(File.pathSeparator, classpath)),
                null,
                units)
            .call();
    assertThat(ok).as("%s compiles with %s only:%n%s", wiring, allowed, diagnostics).isTrue();
  }

  /**
   * The Larder module a class path entry holds ({@code core/target/classes}, {@code
   * larder-core-*.jar}), or null.
   */
  private static String larderModule(String entry) {
    Path p = Path.of(entry);
    String name = p.getFileName() == null ? "" : p.getFileName().toString();
    if (name.startsWith("larder-") && name.endsWith(".jar")) {
      return name.substring("larder-".length()).replaceFirst("-\\d.*$", "");
    }
    if (name.equals("classes") || name.equals("test-classes")) {
      Path target = p.getParent();
      if (target != null
          && target.getParent() != null
          && target.getFileName().toString().equals("target")) {
        String module = target.getParent().getFileName().toString();
        return Set.of(
                    "core",
                    "resilience",
                    "cache",
                    "jdbc",
                    "mongo",
                    "testkit",
                    "examples",
                    "benchmarks")
                .contains(module)
            ? module
            : null;
      }
    }
    return null;
  }
}
