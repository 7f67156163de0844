package dev.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    QueryMetrics metrics =
        QueryMetrics.builder().meterRegistry(registry).slowQueryThreshold(Duration.ZERO).build();
    RoutingJdbi db = RoutingJdbi.builder(router).sqlLogger(metrics).build();

    String select = "SELECT count(*) FROM t";
    db.read(h -> h.createQuery(select).mapTo(Long.class).one());
    db.read(h -> h.createQuery(select).mapTo(Long.class).one());
    db.write(
        h ->
            h.createUpdate("INSERT INTO t VALUES (1)")
                .define(QueryMetrics.QUERY_NAME_ATTRIBUTE, "insertT")
                .execute());
    assertThatThrownBy(
            () -> db.read(h -> h.createQuery("SELECT nope FROM t").mapTo(Long.class).one()))
        .isInstanceOf(Exception.class);

    Timer reads =
        registry
            .find("larder.jdbc.query")
            .tags("query", QueryMetrics.hash(select), "route", "replica", "outcome", "success")
            .timer();
    assertThat(reads).isNotNull();
    assertThat(reads.count()).isEqualTo(2);
    Timer insert =
        registry
            .find("larder.jdbc.query")
            .tags("query", "insertT", "route", "primary", "outcome", "success")
            .timer();
    assertThat(insert).isNotNull();
    assertThat(insert.count()).isEqualTo(1);
    Timer failed =
        registry
            .find("larder.jdbc.query")
            .tags("query", QueryMetrics.hash("SELECT nope FROM t"), "outcome", "error")
            .timer();
    assertThat(failed).isNotNull();
    assertThat(failed.count()).isGreaterThanOrEqualTo(1);
  }

  /** Writes to both streams: the test reads one, the build log keeps the other. */
  private static PrintStream tee(PrintStream original, ByteArrayOutputStream copy) {
    return new PrintStream(
        new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            copy.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            copy.write(b, off, len);
          }
        },
        true,
        StandardCharsets.UTF_8);
  }

  @Test
  void slowStatementsAreLoggedOnceWithHashRouteElapsedAndRows() {
    QueryMetrics metrics = QueryMetrics.builder().slowQueryThreshold(Duration.ofMillis(40)).build();
    RoutingJdbi db = RoutingJdbi.builder(router).sqlLogger(metrics).build();
    String slow = "SELECT g FROM generate_series(1, 3) g, pg_sleep(0.06)";
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    List<Integer> rows;
    // slf4j-simple, the tests' binding, writes to whatever System.err is at the time
    System.setErr(tee(original, captured));
    try {
      rows = db.read(h -> h.createQuery(slow).mapTo(Integer.class).list());
    } finally {
      System.setErr(original);
    }
    assertThat(rows).containsExactly(1, 2, 3);
    String log = captured.toString(StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile(
                "slow query query="
                    + QueryMetrics.hash(slow)
                    + " route=replica elapsedMs=(\\d+) rows=3")
            .matcher(log);
    assertThat(m.find()).as("slow-query line in %s", log).isTrue();
    // pg_sleep(0.06) runs on the server, so the statement cannot have taken less
    assertThat(Long.parseLong(m.group(1))).isGreaterThanOrEqualTo(60);
    assertThat(m.find()).as("logged once").isFalse();
    assertThat(log).doesNotContain("generate_series"); // the SQL text is logged only at DEBUG
  }
}
