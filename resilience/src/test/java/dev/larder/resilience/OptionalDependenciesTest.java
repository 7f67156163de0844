package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A JDBC-only application has neither Redisson nor Micrometer: everything else must still work. */
class OptionalDependenciesTest {

  @Test
  void worksWithoutRedissonMicrometerOrAJdbcDriverOnTheClassPath() throws Throwable {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String e = entry.replace('\\', '/');
      if (e.contains("redisson")
          || e.contains("micrometer")
          || e.contains("postgresql")
          || e.contains("netty")
          || e.contains("/test-classes")) {
        continue;
      }
      urls.add(new File(entry).toURI().toURL());
    }
    try (URLClassLoader loader =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      assertThat(loader.getResource("org/redisson/client/RedisException.class")).isNull();
      assertThat(loader.getResource("io/micrometer/core/instrument/MeterRegistry.class")).isNull();
      Class<?> classifiers = loader.loadClass(FailureClassifiers.class.getName());
      Object standard = classifiers.getMethod("standard").invoke(null);
      java.lang.reflect.Method classify =
          loader
              .loadClass("dev.larder.core.FailureClassifier")
              .getMethod("classify", Throwable.class);
      Object fc =
          classify.invoke(
              standard, new RuntimeException(new SQLException("serialization", "40001")));
      assertThat(fc.toString()).isEqualTo("TRANSIENT");

      Class<?> policyClass = loader.loadClass(RetryPolicy.class.getName());
      Object builder = policyClass.getMethod("builder", String.class).invoke(null, "jdbc-only");
      // A method handle links only the method it names, as compiled code does; Class.getMethod
      // would resolve every public signature of the builder, meterRegistry(MeterRegistry) included.
      Object policy =
          MethodHandles.publicLookup()
              .findVirtual(builder.getClass(), "build", MethodType.methodType(policyClass))
              .invoke(builder);
      int[] attempts = {0};
      Supplier<String> work =
          () -> {
            if (++attempts[0] == 1) {
              throw new IllegalStateException(new SQLException("deadlock", "40P01"));
            }
            return "done";
          };
      // Keep the test fast: the seed's first wait is at most 1 s (full jitter).
      Object result =
          MethodHandles.publicLookup()
              .findVirtual(
                  policyClass,
                  "call",
                  MethodType.methodType(Object.class, boolean.class, Supplier.class))
              .invoke(policy, false, work);
      assertThat(result).isEqualTo("done");
      assertThat(attempts[0]).isEqualTo(2);
    }
  }
}
