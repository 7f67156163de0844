package dev.larder.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Small helpers to start many callers at once and wait for them. */
public final class Load {
  private Load() {}

  /** Work one caller does; gets its index. */
  @FunctionalInterface
  public interface Caller {
    /**
     * Runs the caller.
     *
     * @param index 0 .. callers-1
     * @throws Exception on failure, rethrown by {@link #together}
     */
    void run(int index) throws Exception;
  }

  /**
   * Runs {@code callers} callers on their own threads, released together by one latch, and waits
   * for all of them.
   *
   * @param callers how many
   * @param caller what each does
   * @throws Exception the first caller's failure
   */
  public static void together(int callers, Caller caller) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch ready = new CountDownLatch(callers);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  go.await();
                  caller.run(index);
                  return null;
                }));
      }
      ready.await();
      go.countDown();
      for (Future<?> f : futures) {
        try {
          f.get(5, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception ex ? ex : e;
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Nanoseconds since a start, as milliseconds.
   *
   * @param startNanos from {@link System#nanoTime()}
   * @return elapsed milliseconds
   */
  public static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000.0;
  }

  /**
   * Sleeps, restoring the interrupt flag.
   *
   * @param millis how long
   */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
