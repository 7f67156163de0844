package dev.larder.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientException;
import com.mongodb.MongoConfigurationException;
import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoIncompatibleDriverException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoOperationTimeoutException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoServerUnavailableException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoSocketOpenException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.MongoWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.WriteConcernError;
import dev.larder.core.FailureClass;
import dev.larder.core.FailureClassifier;
import java.util.Set;
import org.bson.BsonInvalidOperationException;
import org.bson.codecs.configuration.CodecConfigurationException;

/**
 * Judges MongoDB driver failures (mongodb-driver-sync 5.x) as transient, permanent or unknown.
 *
 * <p>The rules, in the order they are applied (the module README has the full table and the
 * reasons):
 *
 * <ol>
 *   <li>error label {@code UnknownTransactionCommitResult} → {@link FailureClass#UNKNOWN}: the
 *       commit may have happened; only the commit may be retried (see {@link MongoTransactions});
 *   <li>error label {@code TransientTransactionError} → {@link FailureClass#TRANSIENT}: the whole
 *       transaction was aborted and may be run again;
 *   <li>nothing was sent: {@code MongoSocketOpenException}, {@code MongoTimeoutException} (server
 *       selection or connection checkout), {@code MongoConnectionPoolClearedException}, {@code
 *       MongoServerUnavailableException} → {@link FailureClass#TRANSIENT};
 *   <li>the request may have reached the server: other {@code MongoSocketException}s (read, write,
 *       closed, read timeout), {@code MongoOperationTimeoutException}, {@code
 *       MongoExecutionTimeoutException} (maxTimeMS), {@code MongoInterruptedException} → {@link
 *       FailureClass#UNKNOWN};
 *   <li>write concern errors (the write was applied on the primary, its replication is not
 *       confirmed) → {@link FailureClass#UNKNOWN}, except unsatisfiable write concerns → {@link
 *       FailureClass#PERMANENT};
 *   <li>server error codes: {@link #TRANSIENT_CODES} (not primary, node recovering, shutting down,
 *       stepped down, network errors between servers, write conflicts, lock timeouts) → {@link
 *       FailureClass#TRANSIENT}; {@link #PERMANENT_CODES} (duplicate key, validation, bad values,
 *       authorisation) → {@link FailureClass#PERMANENT};
 *   <li>error label {@code RetryableWriteError} on an error not judged above → {@link
 *       FailureClass#TRANSIENT};
 *   <li>client-side mistakes (configuration, security, codecs, incompatible server) → {@link
 *       FailureClass#PERMANENT};
 *   <li>anything else → {@link FailureClass#UNKNOWN}.
 * </ol>
 *
 * <p>The classifier returned by {@link #classifier()} walks the cause chain (an application's
 * wrapper around a driver exception is judged by the driver exception). It is thread-safe and never
 * throws.
 */
public final class MongoFailureClassifier {

  /** The driver's label for a transaction that was aborted and may be run again from the start. */
  public static final String TRANSIENT_TRANSACTION_ERROR = "TransientTransactionError";

  /** The driver's label for a commit whose outcome is unknown: retry the commit only. */
  public static final String UNKNOWN_TRANSACTION_COMMIT_RESULT = "UnknownTransactionCommitResult";

  /** The server's label (4.4+) for a write error that a retryable write may repeat. */
  public static final String RETRYABLE_WRITE_ERROR = "RetryableWriteError";

  /**
   * Server error codes judged {@link FailureClass#TRANSIENT}: the operation was refused or
   * interrupted because of the deployment's state (not primary, recovering, shutting down, stepped
   * down, a write conflict, a lock timeout), which a later attempt, after the driver rediscovers
   * the primary, is expected to pass. This is the driver specification's retryable list plus write
   * conflicts and lock timeouts.
   */
  public static final Set<Integer> TRANSIENT_CODES =
      Set.of(
          6, // HostUnreachable
          7, // HostNotFound
          24, // LockTimeout
          46, // LockBusy
          89, // NetworkTimeout
          91, // ShutdownInProgress
          112, // WriteConflict
          117, // ConflictingOperationInProgress
          133, // FailedToSatisfyReadPreference
          134, // ReadConcernMajorityNotAvailableYet
          189, // PrimarySteppedDown
          262, // ExceededTimeLimit
          9001, // SocketException
          10107, // NotWritablePrimary
          11600, // InterruptedAtShutdown
          11602, // InterruptedDueToReplStateChange
          13435, // NotPrimaryNoSecondaryOk
          13436); // NotPrimaryOrSecondary

  /**
   * Server error codes judged {@link FailureClass#PERMANENT}: the request itself is wrong, so the
   * same request fails the same way (duplicate key, schema validation, bad values, immutable field,
   * document too large, not authorised, unsatisfiable write concern).
   */
  public static final Set<Integer> PERMANENT_CODES =
      Set.of(
          2, // BadValue
          9, // FailedToParse
          13, // Unauthorized
          14, // TypeMismatch
          18, // AuthenticationFailed
          20, // IllegalOperation
          40, // ConflictingUpdateOperators
          48, // NamespaceExists
          52, // DollarPrefixedFieldName
          59, // CommandNotFound
          66, // ImmutableField
          67, // CannotCreateIndex
          72, // InvalidOptions
          79, // UnknownReplWriteConcern
          85, // IndexOptionsConflict
          86, // IndexKeySpecsConflict
          100, // UnsatisfiableWriteConcern
          115, // CommandNotSupported
          121, // DocumentValidationFailure
          263, // OperationNotSupportedInTransaction
          10334, // BSONObjectTooLarge
          11000, // DuplicateKey
          11001, // DuplicateKey (legacy)
          12582, // DuplicateKey (legacy, mongos)
          17280); // KeyTooLong

  private static final FailureClassifier SHALLOW = MongoFailureClassifier::classifyOne;
  private static final FailureClassifier WALKING = FailureClassifier.walkingCauses(SHALLOW);

  private MongoFailureClassifier() {}

  /**
   * The MongoDB classifier, walking the cause chain.
   *
   * @return a thread-safe classifier; {@link FailureClass#UNKNOWN} for failures it does not
   *     recognise, so it composes with {@link FailureClassifier#orElse(FailureClassifier)}
   */
  public static FailureClassifier classifier() {
    return WALKING;
  }

  /**
   * The MongoDB classifier looking at the failure itself only, not its causes.
   *
   * @return a thread-safe classifier
   */
  public static FailureClassifier shallow() {
    return SHALLOW;
  }

  private static FailureClass classifyOne(Throwable failure) {
    if (failure instanceof MongoException mongo) {
      return classifyMongo(mongo);
    }
    if (failure instanceof CodecConfigurationException
        || failure instanceof BsonInvalidOperationException) {
      return FailureClass.PERMANENT;
    }
    return FailureClass.UNKNOWN;
  }

  private static FailureClass classifyMongo(MongoException e) {
    if (e.hasErrorLabel(UNKNOWN_TRANSACTION_COMMIT_RESULT)) {
      return FailureClass.UNKNOWN;
    }
    if (e.hasErrorLabel(TRANSIENT_TRANSACTION_ERROR)) {
      return FailureClass.TRANSIENT;
    }
    FailureClass structural = classifyStructure(e);
    if (structural != FailureClass.UNKNOWN) {
      return structural;
    }
    if (isAmbiguous(e)) {
      // The request may have been applied: a label cannot make a repeat safe at this level,
      // because an application-level retry is a new request (new transaction number).
      return FailureClass.UNKNOWN;
    }
    if (e.hasErrorLabel(RETRYABLE_WRITE_ERROR)) {
      return FailureClass.TRANSIENT;
    }
    return FailureClass.UNKNOWN;
  }

  private static boolean isAmbiguous(MongoException e) {
    return (e instanceof MongoSocketException && !(e instanceof MongoSocketOpenException))
        || e instanceof MongoOperationTimeoutException
        || e instanceof MongoExecutionTimeoutException
        || e instanceof MongoInterruptedException
        || e instanceof MongoWriteConcernException
        || (e instanceof MongoBulkWriteException bulk && bulk.getWriteConcernError() != null);
  }

  private static FailureClass classifyStructure(MongoException e) {
    // Nothing reached a server: safe to repeat.
    if (e instanceof MongoSocketOpenException
        || e instanceof MongoConnectionPoolClearedException
        || e instanceof MongoServerUnavailableException) {
      return FailureClass.TRANSIENT;
    }
    if (e instanceof MongoTimeoutException && !(e instanceof MongoOperationTimeoutException)) {
      return FailureClass.TRANSIENT;
    }
    if (e instanceof MongoWriteConcernException wce) {
      return classifyWriteConcernError(wce.getWriteConcernError());
    }
    if (e instanceof MongoBulkWriteException bulk) {
      return classifyBulk(bulk);
    }
    if (e instanceof MongoWriteException write) {
      return classifyCode(write.getError().getCode());
    }
    if (e instanceof MongoServerException) {
      return classifyCode(e.getCode());
    }
    if (e instanceof MongoSecurityException
        || e instanceof MongoConfigurationException
        || e instanceof MongoIncompatibleDriverException) {
      return FailureClass.PERMANENT;
    }
    if (e instanceof MongoClientException && e.getCause() == null && !isAmbiguous(e)) {
      // Raised by the driver before sending anything, on a request or setting it rejects
      // (an invalid operation, sessions unsupported by the deployment).
      return FailureClass.PERMANENT;
    }
    return FailureClass.UNKNOWN;
  }

  private static FailureClass classifyBulk(MongoBulkWriteException bulk) {
    WriteConcernError wce = bulk.getWriteConcernError();
    boolean anyPermanent = false;
    boolean allTransient = !bulk.getWriteErrors().isEmpty();
    for (BulkWriteError error : bulk.getWriteErrors()) {
      FailureClass c = classifyCode(error.getCode());
      anyPermanent |= c == FailureClass.PERMANENT;
      allTransient &= c == FailureClass.TRANSIENT;
    }
    if (anyPermanent) {
      return FailureClass.PERMANENT;
    }
    if (wce != null) {
      return classifyWriteConcernError(wce);
    }
    return allTransient ? FailureClass.TRANSIENT : FailureClass.UNKNOWN;
  }

  private static FailureClass classifyWriteConcernError(WriteConcernError error) {
    int code = error.getCode();
    if (code == 100 || code == 79) {
      return FailureClass.PERMANENT;
    }
    return FailureClass.UNKNOWN;
  }

  private static FailureClass classifyCode(int code) {
    if (TRANSIENT_CODES.contains(code)) {
      return FailureClass.TRANSIENT;
    }
    if (PERMANENT_CODES.contains(code)) {
      return FailureClass.PERMANENT;
    }
    return FailureClass.UNKNOWN;
  }
}
