package dev.larder.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.larder.core.FailureClassifier;
import dev.larder.resilience.FailureClassifiers;
import dev.larder.resilience.RetryPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retry step ({@link RetryWiring}): a whole transaction that updates a price is run through the
 * retry policy and its budget, and the server itself fails its first two attempts with a real
 * serialization failure (SQLSTATE 40001, raised by PostgreSQL, as a busy SERIALIZABLE workload gets
 * it); then a transaction that breaks a unique constraint (23505) runs through the same stack.
 *
 * <p>Look at the printed timeline: each attempt's failure as the classifier sees it ({@code
 * TRANSIENT}), the full-jitter waits between attempts, and the commit on the third; and at the
 * unique violation, classified {@code PERMANENT} and run once, since repeating it would fail the
 * same way. The transactions are passed with {@code idempotent = false}: a serialization failure
 * rolled the transaction back and may be retried, a connection lost during COMMIT may not. Holds if
 * the update took 3 attempts and committed the new price, and the unique violation took 1.
 */
final class RetryStep {
  private final Catalog catalog;
  private final Console console;

  RetryStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    HikariDataSource primary = catalog.primaryPool();
    RetryPolicy policy = RetryWiring.policy();
    FailureClassifier classifier = FailureClassifiers.standard();
    List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    policy
        .retry()
        .getEventPublisher()
        .onRetry(e -> timeline.add("wait " + e.getWaitInterval().toMillis() + " ms"));
    AtomicInteger attempts = new AtomicInteger();
    long start = System.nanoTime();
    long newPrice = 4242;
    Product updated =
        RetryWiring.withBudget(policy)
            .callChecked(
                false,
                () -> {
                  int n = attempts.incrementAndGet();
                  long at = Duration.ofNanos(System.nanoTime() - start).toMillis();
                  try {
                    Product p =
                        inTransaction(
                            primary,
                            c -> {
                              if (n <= 2) {
                                injectSerializationFailure(c);
                              }
                              return Catalog.updatePrice(c, 3, newPrice);
                            });
                    timeline.add("attempt " + n + " at " + at + " ms: committed");
                    return p;
                  } catch (SQLException e) {
                    timeline.add(
                        "attempt "
                            + n
                            + " at "
                            + at
                            + " ms: SQLSTATE "
                            + e.getSQLState()
                            + " "
                            + classifier.classify(e));
                    throw e;
                  }
                });
    timeline.forEach(console::detail);

    AtomicInteger permanentAttempts = new AtomicInteger();
    String permanent;
    try {
      RetryWiring.withBudget(RetryWiring.policy())
          .callChecked(
              false,
              () -> {
                permanentAttempts.incrementAndGet();
                return inTransaction(primary, c -> duplicateSku(c));
              });
      permanent = "no failure";
    } catch (SQLException e) {
      permanent = "SQLSTATE " + e.getSQLState() + " " + classifier.classify(e);
    }
    console.detail(
        "a unique violation ("
            + permanent
            + ") ran "
            + permanentAttempts.get()
            + " attempt: retrying would fail the same way");
    boolean held =
        attempts.get() == 3 && updated.priceCents() == newPrice && permanentAttempts.get() == 1;
    return new Evidence(
        held,
        "2 x 40001 then commit: "
            + attempts.get()
            + " attempts, "
            + String.join(", ", timeline.stream().filter(s -> s.startsWith("wait")).toList())
            + "; unique violation: "
            + permanentAttempts.get()
            + " attempt");
  }

  /**
   * A real serialization failure from the server (SQLSTATE 40001), as a busy SERIALIZABLE workload
   * gets.
   */
  private static void injectSerializationFailure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "DO $$ BEGIN RAISE EXCEPTION 'injected by the examples: could not serialize access'"
              + " USING ERRCODE = 'serialization_failure'; END $$");
    }
  }

  /** Inserts a product whose SKU the seed already used: SQLSTATE 23505 (unique violation). */
  private static Product duplicateSku(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO product (id, sku, name, category, price_cents) VALUES (?, 'SKU-00001', 'dup', 'kitchen', 1)"
                + " RETURNING "
                + Product.COLUMNS)) {
      ps.setLong(1, 1_000_000 + ThreadLocalRandom.current().nextInt(1_000_000));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Product.fromRow(rs);
      }
    }
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
  private static <T> T inTransaction(HikariDataSource pool, SqlWork<T> work) throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }
}
