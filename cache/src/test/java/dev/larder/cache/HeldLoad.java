package dev.larder.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test support: a {@code get} on one instance whose loader has read the "database" and waits, so a
 * test can change the database and invalidate while the load holds the old value.
 */
final class HeldLoad {
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<String> result;

  /** Starts the get and returns once its loader has read the database. */
  HeldLoad(Instances in, int instance, String key) throws InterruptedException {
    CountDownLatch read = new CountDownLatch(1);
    CacheLoader<String> slow =
        k -> {
          String seen = in.db.get(k);
          read.countDown();
          release.await();
          return Optional.of(seen);
        };
    result = CompletableFuture.supplyAsync(() -> in.get(instance).get(key, slow));
    assertThat(read.await(10, TimeUnit.SECONDS)).as("the loader read the database").isTrue();
  }

  /** Lets the loader return what it read; returns what the caller got. */
  String finish() throws Exception {
    release.countDown();
    return result.get(10, TimeUnit.SECONDS);
  }
}
