package dev.larder.mongo;

import static dev.larder.core.FailureClass.PERMANENT;
import static dev.larder.core.FailureClass.TRANSIENT;
import static dev.larder.core.FailureClass.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoOperationTimeoutException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.MongoSocketReadTimeoutException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.bulk.WriteConcernError;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import dev.larder.testsupport.Gen;
import dev.larder.testsupport.Property;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MongoFailureClassifierTest {
  private static final ServerAddress ADDR = new ServerAddress("db1", 27017);
  private static final FailureClassifier C = MongoFailureClassifier.classifier();

  static MongoCommandException command(int code, String... labels) {
    BsonDocument response =
        new BsonDocument("ok", new BsonInt32(0))
            .append("code", new BsonInt32(code))
            .append("errmsg", new BsonString("error " + code));
    BsonArray array = new BsonArray();
    for (String l : labels) {
      array.add(new BsonString(l));
    }
    if (labels.length > 0) {
      response.append("errorLabels", array);
    }
    return new MongoCommandException(response, ADDR);
  }

  static MongoBulkWriteException bulk(List<Integer> codes, WriteConcernError wce) {
    List<BulkWriteError> errors =
        codes.stream().map(c -> new BulkWriteError(c, "e" + c, new BsonDocument(), 0)).toList();
    return new MongoBulkWriteException(
        BulkWriteResult.unacknowledged(), errors, wce, ADDR, Set.of());
  }

  static Stream<Arguments> table() {
    WriteConcernError wtimeout =
        new WriteConcernError(
            64, "WriteConcernFailed", "waiting for replication timed out", new BsonDocument());
    WriteConcernError unsatisfiable =
        new WriteConcernError(
            100, "UnsatisfiableWriteConcern", "not enough members", new BsonDocument());
    MongoSocketReadException readWithLabel =
        new MongoSocketReadException("Prematurely reached end of stream", ADDR);
    readWithLabel.addLabel(MongoFailureClassifier.RETRYABLE_WRITE_ERROR);
    return Stream.of(
        Arguments.of("NotWritablePrimary 10107", command(10107), TRANSIENT),
        Arguments.of("NotPrimaryNoSecondaryOk 13435", command(13435), TRANSIENT),
        Arguments.of("InterruptedAtShutdown 11600", command(11600), TRANSIENT),
        Arguments.of("InterruptedDueToReplStateChange 11602", command(11602), TRANSIENT),
        Arguments.of("PrimarySteppedDown 189", command(189), TRANSIENT),
        Arguments.of("ShutdownInProgress 91", command(91), TRANSIENT),
        Arguments.of(
            "duplicate key on a write",
            new MongoWriteException(
                new WriteError(11000, "E11000", new BsonDocument()), ADDR, Set.of()),
            PERMANENT),
        Arguments.of(
            "document validation",
            new MongoWriteException(
                new WriteError(121, "invalid", new BsonDocument()), ADDR, Set.of()),
            PERMANENT),
        Arguments.of(
            "transient transaction label beats duplicate key",
            command(11000, "TransientTransactionError"),
            TRANSIENT),
        Arguments.of(
            "write conflict in a transaction",
            command(112, "TransientTransactionError"),
            TRANSIENT),
        Arguments.of(
            "unknown commit result beats every other signal",
            command(
                91,
                "UnknownTransactionCommitResult",
                "TransientTransactionError",
                "RetryableWriteError"),
            UNKNOWN),
        Arguments.of(
            "connection refused",
            new MongoSocketOpenException("Exception opening socket", ADDR),
            TRANSIENT),
        Arguments.of(
            "server selection timeout",
            new MongoTimeoutException("Timed out while waiting for a server"),
            TRANSIENT),
        Arguments.of(
            "read after send",
            new MongoSocketReadException("Prematurely reached end of stream", ADDR),
            UNKNOWN),
        Arguments.of("read after send, labelled retryable", readWithLabel, UNKNOWN),
        Arguments.of(
            "socket read timeout",
            new MongoSocketReadTimeoutException("Timed out", ADDR, new SocketTimeoutException()),
            UNKNOWN),
        Arguments.of(
            "client-side operation timeout",
            new MongoOperationTimeoutException("timeoutMS expired"),
            UNKNOWN),
        Arguments.of(
            "maxTimeMS expired",
            new MongoExecutionTimeoutException(50, "operation exceeded time limit"),
            UNKNOWN),
        Arguments.of(
            "write concern timeout",
            new MongoWriteConcernException(wtimeout, null, ADDR, Set.of()),
            UNKNOWN),
        Arguments.of(
            "unsatisfiable write concern",
            new MongoWriteConcernException(unsatisfiable, null, ADDR, Set.of()),
            PERMANENT),
        Arguments.of("bulk with duplicate keys", bulk(List.of(11000, 11000), null), PERMANENT),
        Arguments.of("bulk with only a write concern error", bulk(List.of(), wtimeout), UNKNOWN),
        Arguments.of("bulk with transient codes only", bulk(List.of(112), null), TRANSIENT),
        Arguments.of(
            "retryable label on an unlisted server code",
            command(9999, "RetryableWriteError"),
            TRANSIENT),
        Arguments.of("unlisted server code", command(9999), UNKNOWN),
        Arguments.of(
            "sessions not supported",
            new MongoClientException("Sessions are not supported by the MongoDB cluster"),
            PERMANENT),
        Arguments.of(
            "bad credentials",
            new MongoSecurityException(
                MongoCredential.createCredential("u", "admin", "p".toCharArray()), "auth failed"),
            PERMANENT),
        Arguments.of(
            "wrapped connection refusal",
            new IllegalStateException("app", new MongoSocketOpenException("refused", ADDR)),
            TRANSIENT),
        Arguments.of("not a MongoDB failure", new IllegalStateException("boom"), UNKNOWN));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("table")
  void classifiesDriverExceptions(String what, Throwable failure, FailureClass expected) {
    assertThat(C.classify(failure)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void shallowClassifierLooksAtTheFailureOnly() {
    Throwable wrapped =
        new IllegalStateException("app", new MongoSocketOpenException("refused", ADDR));
    assertThat(MongoFailureClassifier.shallow().classify(wrapped)).isEqualTo(UNKNOWN);
    assertThat(MongoFailureClassifier.shallow().classify(wrapped.getCause())).isEqualTo(TRANSIENT);
  }

  private static final List<String> LABELS =
      List.of(
          MongoFailureClassifier.RETRYABLE_WRITE_ERROR,
          MongoFailureClassifier.TRANSIENT_TRANSACTION_ERROR,
          MongoFailureClassifier.UNKNOWN_TRANSACTION_COMMIT_RESULT,
          "NoWritesPerformed",
          "ResumableChangeStreamError");

  private static final Integer[] LISTED_CODES =
      Stream.concat(
              MongoFailureClassifier.TRANSIENT_CODES.stream(),
              MongoFailureClassifier.PERMANENT_CODES.stream())
          .sorted()
          .toArray(Integer[]::new);

  /**
   * A server error: any int as its code, but half the time one of the classifier's listed codes (a
   * uniform int almost never is one, and the rules between labels and codes are about them); up to
   * five distinct labels, in any order.
   */
  record ServerError(int code, List<String> labels) {
    static ServerError draw(Random r) {
      int code =
          r.nextBoolean()
              ? Gen.oneOf(r, LISTED_CODES)
              : Gen.intBetween(r, Integer.MIN_VALUE, Integer.MAX_VALUE);
      List<String> labels = new ArrayList<>(LABELS);
      Collections.shuffle(labels, r);
      return new ServerError(
          code, List.copyOf(labels.subList(0, Gen.intBetween(r, 0, LABELS.size()))));
    }

    MongoException exception() {
      return command(code, labels.toArray(String[]::new));
    }
  }

  @org.junit.jupiter.api.Test
  void labelsDecideBeforeCodes() {
    Property.forAll(
        "mongo error labels decide before codes",
        1000,
        ServerError::draw,
        s -> {
          int code = s.code();
          List<String> labels = s.labels();
          FailureClass c = C.classify(s.exception());
          if (labels.contains(MongoFailureClassifier.UNKNOWN_TRANSACTION_COMMIT_RESULT)) {
            assertThat(c).isEqualTo(UNKNOWN);
          } else if (labels.contains(MongoFailureClassifier.TRANSIENT_TRANSACTION_ERROR)) {
            assertThat(c).isEqualTo(TRANSIENT);
          } else if (MongoFailureClassifier.PERMANENT_CODES.contains(code)) {
            assertThat(c).isEqualTo(PERMANENT);
          } else if (MongoFailureClassifier.TRANSIENT_CODES.contains(code)
              || labels.contains(MongoFailureClassifier.RETRYABLE_WRITE_ERROR)) {
            assertThat(c).isEqualTo(TRANSIENT);
          } else {
            assertThat(c).isEqualTo(UNKNOWN);
          }
        });
  }

  @org.junit.jupiter.api.Test
  void wrappingInNonDriverExceptionsDoesNotChangeTheClass() {
    Property.forAll(
        "wrapping a mongo error in non-driver exceptions keeps its class",
        1000,
        ServerError::draw,
        s -> {
          MongoException inner = s.exception();
          Throwable wrapped =
              new RuntimeException("service layer", new IllegalStateException("repository", inner));
          assertThat(C.classify(wrapped)).isEqualTo(C.classify(inner));
        });
  }

  @org.junit.jupiter.api.Test
  void codeListsDoNotOverlap() {
    assertThat(MongoFailureClassifier.TRANSIENT_CODES)
        .doesNotContainAnyElementsOf(MongoFailureClassifier.PERMANENT_CODES);
  }
}
