package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.KeyNamespace;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;

/**
 * The READMEs' cache snippets compile against the API: their lines are the bodies of the methods
 * below (compiled with the tests, never run), and the test checks that each README still shows them
 * word for word (whitespace aside). The root README's jdbc lines are not the cache's to check.
 */
class ReadmeSnippetTest {

  /** What the snippets assume of the reader's data access object. */
  interface UserDao {
    Optional<String> findName(String id);

    @Nullable String findNickOrNull(String id);

    Map<String, String> findNames(Set<String> ids);
  }

  @SuppressWarnings("unused")
  void rootReadme(UserDao userDao) {
    // spotless:off (the README shows these lines as written)
    // root:begin
    RedissonClient redisson = Redisson.create(RedissonPresets.singleServer("redis://cache:6379").build());
    LarderCache<String> names = LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of("user-names", 1)).redisson(redisson)
        .ttl(Duration.ofMinutes(5)).maxStale(Duration.ofHours(1)).build();
    String name = names.get("user:42", key -> userDao.findName(key));  // the loader returns Optional<String>; one load per key, all JVMs
    String nick = names.get("nick:42", CacheLoader.ofNullable(userDao::findNickOrNull)); // or answers null for "no such key"
    names.invalidate("user:42");                                        // every instance's L1, over pub/sub
    // root:end
    // spotless:on
  }

  @SuppressWarnings("unused")
  void cacheReadme(UserDao userDao, MeterRegistry registry, List<String> ids) {
    // spotless:off (the README shows these lines as written)
    // cache:begin
    RedissonClient redisson = Redisson.create(RedissonPresets.singleServer("redis://cache:6379").build());
    LarderCache<String> names = LarderCache.newBuilder(CacheCodec.utf8())
        .namespace(KeyNamespace.of("user-names", 1)).redisson(redisson)
        .ttl(Duration.ofMinutes(5)).maxStale(Duration.ofHours(1)).meterRegistry(registry).build();
    // The loader returns Optional<String>: empty says "no such key" (remembered for negativeTtl), and get returns null.
    String name = names.get("user:42", key -> userDao.findName(key));
    // A loader in the plain form, answering null for "no such key": wrap it with CacheLoader.ofNullable.
    String nick = names.get("nick:42", CacheLoader.ofNullable(userDao::findNickOrNull));
    Map<String, String> many = names.getAll(ids, keys -> userDao.findNames(keys)); // one query for the misses
    // cache:end
    // spotless:on
  }

  @Test
  void theRootReadmeShowsTheCompiledSnippet() throws IOException {
    assertThat(javaBlocks(Path.of("..", "README.md"))).contains(snippet("root"));
  }

  @Test
  void theCacheReadmeShowsTheCompiledSnippet() throws IOException {
    assertThat(javaBlocks(Path.of("README.md"))).contains(snippet("cache"));
  }

  /** The lines between this file's markers, whitespace-normalised and joined. */
  private static String snippet(String name) throws IOException {
    List<String> lines =
        Files.readAllLines(
            Path.of("src", "test", "java", "dev", "larder", "cache", "ReadmeSnippetTest.java"),
            StandardCharsets.UTF_8);
    int from = lines.indexOf("    // " + name + ":begin");
    int to = lines.indexOf("    // " + name + ":end");
    assertThat(from).as("markers of %s", name).isNotNegative().isLessThan(to);
    return normalise(lines.subList(from + 1, to));
  }

  /** Every ```java block of a README, whitespace-normalised and joined. */
  private static String javaBlocks(Path readme) throws IOException {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(readme, StandardCharsets.UTF_8)) {
      if (line.startsWith("```")) {
        in = !in && line.equals("```java");
        continue;
      }
      if (in) {
        out.add(line);
      }
    }
    return normalise(out);
  }

  private static String normalise(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(l.trim().replaceAll("\\s+", " "));
    }
    return String.join("\n", out);
  }
}
