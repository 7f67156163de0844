package dev.larder.testkit;

/**
 * MongoDB capabilities a test may depend on; the stand-in used without Docker lacks some of them.
 *
 * @see RequiresMongo
 * @see MongoServer#features()
 */
public enum MongoFeature {
  /** Multi-document transactions (need client sessions and a replica set). */
  TRANSACTIONS,
  /** A replica set: {@code replSetGetStatus}, read preferences and write concerns that name it. */
  REPLICA_SET,
  /** Change streams ({@code watch()}). */
  CHANGE_STREAMS,
  /** Causally consistent client sessions. */
  CAUSAL_CONSISTENCY
}
