package dev.larder.jdbc;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * For router tests that fault the standby: a database of the test class's own with the item table,
 * row 1 named {@code old} and replayed before each test, and the cluster put back (servers running,
 * replay resumed, WAL receiver restored, standby caught up) after each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ItemTableFixture {
  PgFixture pg;

  @BeforeAll
  void database() {
    pg =
        PgFixture.create(getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
            .withItemTable();
  }

  @AfterAll
  void close() {
    pg.close();
  }

  @BeforeEach
  void oldRow() {
    pg.resetItem();
  }

  @AfterEach
  void restoreCluster() {
    pg.restore();
    pg.cluster.awaitStandbyCaughtUp(Duration.ofSeconds(60));
  }
}
