package dev.larder.resilience;

import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import java.sql.SQLException;
import java.sql.SQLNonTransientException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Classifies JDBC failures by SQLSTATE, with PostgreSQL's codes in mind; needs only {@code
 * java.sql}, never a driver. Looks at one exception and its chain of {@link
 * SQLException#getNextException() next exceptions} (where batch failures keep the real code);
 * combine with {@link FailureClassifier#walkingCauses(FailureClassifier)} to find an {@code
 * SQLException} wrapped by JDBI, Spring or your own code ({@link FailureClassifiers#standard()}
 * does).
 *
 * <p>An exact code wins over its class (first two characters); when neither is known, the JDBC 4
 * exception type decides ({@code SQLTransientException} and {@code SQLRecoverableException}
 * transient, {@code SQLTimeoutException} unknown, {@code SQLNonTransientException} permanent);
 * anything else is {@link FailureClass#UNKNOWN}.
 *
 * <table>
 *   <caption>SQLSTATE classification</caption>
 *   <tr><th>SQLSTATE</th><th>Name</th><th>Class</th><th>Why</th></tr>
 *   <tr><td>40001</td><td>serialization_failure</td><td>TRANSIENT</td><td>the server rolled the transaction back; re-run the whole transaction (also raised on a standby for a recovery conflict)</td></tr>
 *   <tr><td>40P01</td><td>deadlock_detected</td><td>TRANSIENT</td><td>this transaction was the victim and was rolled back; the other one proceeds</td></tr>
 *   <tr><td>40002</td><td>transaction_integrity_constraint_violation</td><td>PERMANENT</td><td>a deferred constraint failed at commit: same data, same failure</td></tr>
 *   <tr><td>40003</td><td>statement_completion_unknown</td><td>UNKNOWN</td><td>the statement may or may not have completed</td></tr>
 *   <tr><td>40xxx</td><td>transaction_rollback</td><td>TRANSIENT</td><td>the transaction was rolled back, so re-running it is safe</td></tr>
 *   <tr><td>08000, 08001, 08003, 08004</td><td>connection_exception, unable_to_establish, connection_does_not_exist, rejected_establishment</td><td>TRANSIENT</td><td>no connection, so nothing was sent; a fresh connection may succeed</td></tr>
 *   <tr><td>08006</td><td>connection_failure</td><td>UNKNOWN</td><td>PgJDBC's "I/O error while sending to the backend": the statement may have run (in autocommit it may have committed), so only idempotent work is repeated</td></tr>
 *   <tr><td>08007</td><td>transaction_resolution_unknown</td><td>UNKNOWN</td><td>the connection broke during commit: the transaction may have committed</td></tr>
 *   <tr><td>08S01</td><td>communication link failure (non-PostgreSQL drivers)</td><td>UNKNOWN</td><td>same doubt as 08006</td></tr>
 *   <tr><td>08P01</td><td>protocol_violation</td><td>PERMANENT</td><td>a client or driver bug; it will happen again</td></tr>
 *   <tr><td>08xxx</td><td>other connection exceptions</td><td>TRANSIENT</td><td>connection-level, before the work ran</td></tr>
 *   <tr><td>57P01</td><td>admin_shutdown</td><td>TRANSIENT</td><td>backend terminated (pg_terminate_backend, fast shutdown); its open transaction was rolled back; a fresh connection may succeed</td></tr>
 *   <tr><td>57P02</td><td>crash_shutdown</td><td>TRANSIENT</td><td>another backend crashed and the server is resetting; uncommitted work was lost</td></tr>
 *   <tr><td>57P03</td><td>cannot_connect_now</td><td>TRANSIENT</td><td>the server is starting up or in recovery</td></tr>
 *   <tr><td>57P05</td><td>idle_session_timeout</td><td>TRANSIENT</td><td>an idle session was closed; nothing was running</td></tr>
 *   <tr><td>57P04</td><td>database_dropped</td><td>PERMANENT</td><td>the database is gone</td></tr>
 *   <tr><td>57014</td><td>query_canceled</td><td>UNKNOWN</td><td>statement_timeout or a cancel: the same query is likely to be slow again; repeated only if idempotent</td></tr>
 *   <tr><td>57xxx</td><td>operator_intervention</td><td>UNKNOWN</td><td>depends on what the operator did</td></tr>
 *   <tr><td>53300</td><td>too_many_connections</td><td>TRANSIENT</td><td>connection slots free up as other sessions end</td></tr>
 *   <tr><td>53xxx</td><td>insufficient_resources (disk full, out of memory)</td><td>UNKNOWN</td><td>may or may not clear within a retry's wait</td></tr>
 *   <tr><td>55P03</td><td>lock_not_available</td><td>TRANSIENT</td><td>NOWAIT or lock_timeout: the lock holder will finish</td></tr>
 *   <tr><td>55xxx</td><td>object_not_in_prerequisite_state, object_in_use</td><td>UNKNOWN</td><td>may clear when another session moves on, or may be a logic error</td></tr>
 *   <tr><td>25P03</td><td>idle_in_transaction_session_timeout</td><td>TRANSIENT</td><td>the server ended the session and rolled the transaction back</td></tr>
 *   <tr><td>72000</td><td>snapshot_too_old</td><td>TRANSIENT</td><td>a new snapshot will do</td></tr>
 *   <tr><td>23xxx</td><td>integrity_constraint_violation (23505 unique, 23503 foreign key, 23502 not null, 23514 check, 23P01 exclusion)</td><td>PERMANENT</td><td>the same data violates the same constraint</td></tr>
 *   <tr><td>42xxx</td><td>syntax_error_or_access_rule_violation (42601 syntax, 42P01 undefined table, 42703 undefined column, 42501 privilege)</td><td>PERMANENT</td><td>the same statement fails the same way</td></tr>
 *   <tr><td>22xxx</td><td>data_exception (22001 too long, 22003 out of range, 22P02 bad text, 22012 division by zero)</td><td>PERMANENT</td><td>the same input is invalid again</td></tr>
 *   <tr><td>28xxx</td><td>invalid_authorization_specification (28P01 bad password)</td><td>PERMANENT</td><td>credentials do not fix themselves; retrying can lock the account</td></tr>
 *   <tr><td>0Axxx, 20xxx, 21xxx, 24xxx, 25xxx, 26xxx, 27xxx, 2Bxxx, 2Dxxx, 2Fxxx, 34xxx, 38xxx, 39xxx, 3Bxxx, 3Dxxx, 3Fxxx, 44xxx, 54xxx, P0xxx, XX001, XX002</td><td>feature not supported, cardinality, cursor and transaction state, invalid names, routine exceptions, program limits, PL/pgSQL raise, corruption</td><td>PERMANENT</td><td>errors in the statement, the program or the data</td></tr>
 *   <tr><td>58xxx, XX000, anything else</td><td>system_error, internal_error, unrecognised</td><td>UNKNOWN</td><td>nothing is known; repeated only if idempotent</td></tr>
 * </table>
 *
 * <p>Thread-safe and stateless.
 */
public final class SqlStateClassifier implements FailureClassifier {
  private static final SqlStateClassifier INSTANCE = new SqlStateClassifier();
  private static final int MAX_NEXT = 16;

  private static final Map<String, FailureClass> CODES = new LinkedHashMap<>();
  private static final Map<String, FailureClass> CLASSES = new LinkedHashMap<>();

  static {
    code(
        FailureClass.TRANSIENT,
        "40001",
        "40P01",
        "08000",
        "08001",
        "08003",
        "08004",
        "57P01",
        "57P02",
        "57P03",
        "57P05",
        "53300",
        "55P03",
        "25P03",
        "72000");
    code(FailureClass.UNKNOWN, "40003", "08006", "08007", "08S01", "57014", "XX000");
    code(FailureClass.PERMANENT, "40002", "08P01", "57P04", "XX001", "XX002");
    cls(FailureClass.TRANSIENT, "40", "08", "72");
    cls(FailureClass.UNKNOWN, "57", "53", "58", "55", "XX");
    cls(
        FailureClass.PERMANENT,
        "23",
        "42",
        "22",
        "28",
        "0A",
        "20",
        "21",
        "24",
        "25",
        "26",
        "27",
        "2B",
        "2D",
        "2F",
        "34",
        "38",
        "39",
        "3B",
        "3D",
        "3F",
        "44",
        "54",
        "P0");
  }

  private SqlStateClassifier() {}

  private static void code(FailureClass fc, String... codes) {
    for (String c : codes) {
      CODES.put(c, fc);
    }
  }

  private static void cls(FailureClass fc, String... classes) {
    for (String c : classes) {
      CLASSES.put(c, fc);
    }
  }

  /**
   * The classifier.
   *
   * @return the shared instance
   */
  public static SqlStateClassifier instance() {
    return INSTANCE;
  }

  /**
   * Classifies a SQLSTATE by the table above.
   *
   * @param sqlState a five-character SQLSTATE, or null
   * @return its class; {@link FailureClass#UNKNOWN} for null or an unrecognised code
   */
  public static FailureClass classifySqlState(@Nullable String sqlState) {
    FailureClass fc = lookup(sqlState);
    return fc == null ? FailureClass.UNKNOWN : fc;
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // a chain that points at itself
  public FailureClass classify(Throwable failure) {
    if (!(failure instanceof SQLException sql)) {
      return FailureClass.UNKNOWN;
    }
    int seen = 0;
    for (SQLException e = sql; e != null && seen <= MAX_NEXT; e = e.getNextException(), seen++) {
      FailureClass fc = lookup(e.getSQLState());
      if (fc != null) {
        return fc;
      }
      if (e.getNextException() == e) {
        break;
      }
    }
    return byType(sql);
  }

  private static FailureClass byType(SQLException e) {
    if (e instanceof SQLTimeoutException) {
      return FailureClass.UNKNOWN;
    }
    if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
      return FailureClass.TRANSIENT;
    }
    if (e instanceof SQLNonTransientException) {
      return FailureClass.PERMANENT;
    }
    return FailureClass.UNKNOWN;
  }

  private static @Nullable FailureClass lookup(@Nullable String sqlState) {
    if (sqlState == null || sqlState.length() != 5) {
      return null;
    }
    String state = sqlState.toUpperCase(java.util.Locale.ROOT);
    FailureClass exact = CODES.get(state);
    return exact != null ? exact : CLASSES.get(state.substring(0, 2));
  }

  @Override
  public String toString() {
    return "SqlStateClassifier";
  }
}
