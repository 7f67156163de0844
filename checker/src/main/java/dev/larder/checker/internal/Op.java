package dev.larder.checker.internal;

import org.jspecify.annotations.Nullable;

/**
 * One recorded operation: what was asked, by whom, when (monotonic nanoseconds since the run
 * started, {@code System.nanoTime()}), and what it returned.
 *
 * @param seq order of recording (completion)
 * @param type what kind of operation
 * @param thread the calling thread's name
 * @param instance the cache instance, or -1
 * @param key the cache key (one per op; a {@code lookupAll} records one op per key, same times)
 * @param start when the call started
 * @param end when it returned or threw
 * @param outcome how it ended
 * @param version the version returned (reads), written (writes) or read (loads); -1 if none
 * @param stale for cache reads: served marked stale
 * @param source for cache reads: L1, L2 or LOADER
 * @param ageMillis for cache reads: the age the cache declared
 * @param error the exception's type and message, if it threw
 * @param typed whether that exception is a {@code LarderException} (or there is none)
 * @param detail the write path, read intent or read call
 * @param required for read-your-writes: the version of the token's write
 */
public record Op(
    long seq,
    Type type,
    String thread,
    int instance,
    String key,
    long start,
    long end,
    Outcome outcome,
    long version,
    boolean stale,
    @Nullable String source,
    long ageMillis,
    @Nullable String error,
    boolean typed,
    String detail,
    long required) {

  /** Kinds of operation. */
  public enum Type {
    /** A cache read ({@code lookup} or one key of {@code lookupAll}). */
    READ,
    /** A write to the table through one of the three paths. */
    WRITE,
    /** A read through {@code RoutingJdbi} with an intent. */
    ROUTED_READ,
    /** One loader invocation for one key (recorded by the loader itself). */
    LOAD,
    /** A read of the end phase (convergence and the lost-invalidation sweep). */
    FINAL_READ
  }

  /** How an operation ended. */
  public enum Outcome {
    /** Returned normally. */
    OK,
    /** Threw; for a read, nothing was returned. */
    FAIL,
    /**
     * A write whose database half committed and whose cache half threw
     * InvalidationPendingException.
     */
    PENDING,
    /** A write whose database half committed and whose cache half threw something else. */
    CACHE_FAILED,
    /** A write whose database half threw: it may or may not have committed. */
    UNKNOWN
  }

  /**
   * Whether the write's database half is known to have committed.
   *
   * @return true for OK, PENDING and CACHE_FAILED writes
   */
  public boolean committed() {
    return type == Type.WRITE
        && (outcome == Outcome.OK || outcome == Outcome.PENDING || outcome == Outcome.CACHE_FAILED);
  }

  /**
   * The duration of the call.
   *
   * @return end minus start, in nanoseconds
   */
  public long nanos() {
    return end - start;
  }
}
