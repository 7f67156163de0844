package dev.larder.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.FailureClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlStateClassifierTest {
  private final SqlStateClassifier classifier = SqlStateClassifier.instance();

  @ParameterizedTest
  @CsvSource({
    "40001, TRANSIENT",
    "40P01, TRANSIENT",
    "40002, PERMANENT",
    "40003, UNKNOWN",
    "40000, TRANSIENT",
    "08000, TRANSIENT",
    "08001, TRANSIENT",
    "08003, TRANSIENT",
    "08004, TRANSIENT",
    "08006, UNKNOWN",
    "08007, UNKNOWN",
    "08S01, UNKNOWN",
    "08P01, PERMANENT",
    "57P01, TRANSIENT",
    "57P02, TRANSIENT",
    "57P03, TRANSIENT",
    "57P05, TRANSIENT",
    "57P04, PERMANENT",
    "57014, UNKNOWN",
    "57000, UNKNOWN",
    "53300, TRANSIENT",
    "53100, UNKNOWN",
    "53200, UNKNOWN",
    "55P03, TRANSIENT",
    "55006, UNKNOWN",
    "25P03, TRANSIENT",
    "25006, PERMANENT",
    "72000, TRANSIENT",
    "23505, PERMANENT",
    "23503, PERMANENT",
    "23502, PERMANENT",
    "23514, PERMANENT",
    "23P01, PERMANENT",
    "42601, PERMANENT",
    "42P01, PERMANENT",
    "42703, PERMANENT",
    "42501, PERMANENT",
    "22001, PERMANENT",
    "22003, PERMANENT",
    "22P02, PERMANENT",
    "22012, PERMANENT",
    "28000, PERMANENT",
    "28P01, PERMANENT",
    "0A000, PERMANENT",
    "P0001, PERMANENT",
    "3D000, PERMANENT",
    "54000, PERMANENT",
    "XX000, UNKNOWN",
    "XX001, PERMANENT",
    "58030, UNKNOWN",
    "HV000, UNKNOWN",
    "zz999, UNKNOWN",
    "4000, UNKNOWN"
  })
  void classifiesBySqlState(String state, FailureClass expected) {
    assertThat(SqlStateClassifier.classifySqlState(state)).isEqualTo(expected);
    assertThat(classifier.classify(new SQLException("x", state))).isEqualTo(expected);
  }

  @Test
  void theSqlStateWinsOverTheExceptionType() {
    assertThat(classifier.classify(new SQLRecoverableException("io", "08006")))
        .isEqualTo(FailureClass.UNKNOWN);
    assertThat(classifier.classify(new SQLTransientConnectionException("x", "28P01")))
        .isEqualTo(FailureClass.PERMANENT);
  }

  @Test
  void withoutAKnownSqlStateTheJdbcTypeDecides() {
    assertThat(classifier.classify(new SQLTransientConnectionException("pool timeout")))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(classifier.classify(new SQLRecoverableException("reconnect")))
        .isEqualTo(FailureClass.TRANSIENT);
    assertThat(classifier.classify(new SQLTimeoutException("query timeout")))
        .isEqualTo(FailureClass.UNKNOWN);
    assertThat(classifier.classify(new SQLSyntaxErrorException("bad")))
        .isEqualTo(FailureClass.PERMANENT);
    assertThat(classifier.classify(new SQLException("plain"))).isEqualTo(FailureClass.UNKNOWN);
    assertThat(classifier.classify(new IOException("not sql"))).isEqualTo(FailureClass.UNKNOWN);
  }

  @Test
  void aBatchFailureIsClassifiedByItsNextException() {
    BatchUpdateException batch =
        new BatchUpdateException("batch entry 3 failed", (String) null, new int[0]);
    batch.setNextException(new SQLException("deadlock", "40P01"));
    assertThat(classifier.classify(batch)).isEqualTo(FailureClass.TRANSIENT);
  }

  @Test
  void standardClassifierFindsAWrappedSqlException() {
    RuntimeException wrapped = new RuntimeException("jdbi", new SQLException("unique", "23505"));
    assertThat(FailureClassifiers.standard().classify(wrapped)).isEqualTo(FailureClass.PERMANENT);
    assertThat(
            FailureClassifiers.standard()
                .classify(new RuntimeException(new java.net.ConnectException())))
        .isEqualTo(FailureClass.TRANSIENT);
  }

  @Test
  void theReadmeTableAgreesWithTheCode() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    Pattern row =
        Pattern.compile(
            "^\\| `([0-9A-Z]{5})`[^|]*\\|[^|]*\\| (TRANSIENT|PERMANENT|UNKNOWN) \\|",
            Pattern.MULTILINE);
    Matcher m = row.matcher(readme);
    int rows = 0;
    while (m.find()) {
      rows++;
      assertThat(SqlStateClassifier.classifySqlState(m.group(1)))
          .as("README row for " + m.group(1))
          .isEqualTo(FailureClass.valueOf(m.group(2)));
    }
    assertThat(rows)
        .as("README SQLSTATE rows")
        .isGreaterThanOrEqualTo(
            List.of(
                    "40001", "40P01", "08006", "08007", "57P01", "53300", "55P03", "23505", "42601",
                    "22001", "28P01")
                .size());
  }
}
