package dev.larder.mongo;

/**
 * What {@link MongoRouter} does when the deployment refuses client sessions, so causal consistency
 * cannot be had (a standalone server without sessions, or a stand-in such as mongo-java-server).
 * Immutable and thread-safe.
 */
public enum CausalFallback {
  /**
   * Writes run without a session and return {@link ConsistencyToken#primaryOnly()}; reads that
   * carry a token go to the primary, which has the write. One warning is logged per router. The
   * guarantee is weaker across a failover (a new primary may not have an un-replicated write), so
   * use majority writes.
   */
  PRIMARY,

  /**
   * Writes and token-carrying reads fail with {@link SessionsUnsupportedException}, for
   * applications that must not run without causal consistency.
   */
  FAIL
}
