package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class QueryMetricsIT {
  private static PgFixture pg;
  private static ReplicaRouter router;

  @BeforeAll
  static void start() {
    pg = PgFixture.create("query_metrics");
    pg.primaryJdbi().useHandle(h -> h.execute("CREATE TABLE t(id int)"));
    pg.touchAndCatchUp();
    router = pg.router(b -> b.maxReplayDelay(Duration.ofSeconds(30)));
  }

  @AfterAll
  static void stop() {
    router.close();
    pg.close();
  }

  @Test
  void everyStatementIsTimedByQueryRouteAndOutcome() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    QueryMetrics metrics = QueryMetrics.builder().meterRegistry(registry).slowQueryThreshold(Duration.ZERO).build();
    RoutingJdbi db = RoutingJdbi.builder(router).sqlLogger(metrics).build();

    String select = "SELECT count(*) FROM t";
    db.read(h -> h.createQuery(select).mapTo(Long.class).one());
    db.read(h -> h.createQuery(select).mapTo(Long.class).one());
    db.write(h -> h.createUpdate("INSERT INTO t VALUES (1)").define(QueryMetrics.QUERY_NAME_ATTRIBUTE, "insertT").execute());
    assertThatThrownBy(() -> db.read(h -> h.createQuery("SELECT nope FROM t").mapTo(Long.class).one()))
        .isInstanceOf(Exception.class);

    Timer reads = registry.find("larder.jdbc.query")
        .tags("query", QueryMetrics.hash(select), "route", "replica", "outcome", "success").timer();
    assertThat(reads).isNotNull();
    assertThat(reads.count()).isEqualTo(2);
    Timer insert = registry.find("larder.jdbc.query")
        .tags("query", "insertT", "route", "primary", "outcome", "success").timer();
    assertThat(insert).isNotNull();
    assertThat(insert.count()).isEqualTo(1);
    Timer failed = registry.find("larder.jdbc.query")
        .tags("query", QueryMetrics.hash("SELECT nope FROM t"), "outcome", "error").timer();
    assertThat(failed).isNotNull();
    assertThat(failed.count()).isGreaterThanOrEqualTo(1);
  }
}
