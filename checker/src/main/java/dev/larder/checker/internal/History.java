package dev.larder.checker.internal;

import dev.larder.checker.internal.Op.Outcome;
import dev.larder.core.LarderException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Every operation of a run, recorded from many threads; times are nanoseconds since {@link #t0()}.
 * Sizes fit in memory: a 10-minute run on two cores records a few hundred thousand operations.
 */
public final class History {
  private final long t0 = System.nanoTime();
  private final AtomicLong seq = new AtomicLong();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();

  /**
   * The time origin ({@code System.nanoTime()} when the history was made).
   *
   * @return the origin
   */
  public long t0() {
    return t0;
  }

  /**
   * Now, on the history's clock.
   *
   * @return nanoseconds since the origin
   */
  public long now() {
    return System.nanoTime() - t0;
  }

  /**
   * Records one operation.
   *
   * @param type its kind
   * @param instance the instance or -1
   * @param key the key
   * @param start when it started ({@link #now()} before the call)
   * @param outcome how it ended
   * @param version the version, or -1
   * @param stale whether served stale
   * @param source where from
   * @param ageMillis declared age
   * @param error the exception, if any
   * @param detail path or intent
   * @param required token version for read-your-writes
   * @return the op
   */
  public Op record(
      Op.Type type,
      int instance,
      String key,
      long start,
      Outcome outcome,
      long version,
      boolean stale,
      @Nullable String source,
      long ageMillis,
      @Nullable Throwable error,
      String detail,
      long required) {
    long end = now();
    Op op =
        new Op(
            seq.incrementAndGet(),
            type,
            Thread.currentThread().getName(),
            instance,
            key,
            start,
            end,
            outcome,
            version,
            stale,
            source,
            ageMillis,
            error == null ? null : describe(error),
            error == null || error instanceof LarderException,
            detail,
            required);
    ops.add(op);
    return op;
  }

  /**
   * Every op so far, ordered by start time.
   *
   * @return a new list
   */
  public List<Op> ops() {
    List<Op> out = new ArrayList<>(ops);
    out.sort(Comparator.comparingLong(Op::start).thenComparingLong(Op::seq));
    return out;
  }

  /**
   * A short description of an exception: its type and the first line of its message.
   *
   * @param t the exception
   * @return e.g. {@code "StaleValueUnavailableException: cache 'x' ..."}
   */
  public static String describe(Throwable t) {
    String m = t.getMessage();
    if (m != null) {
      int nl = m.indexOf('\n');
      m = nl < 0 ? m : m.substring(0, nl);
      if (m.length() > 200) {
        m = m.substring(0, 197) + "...";
      }
    }
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /**
   * The simple name of an error description's exception type.
   *
   * @param error a {@link #describe} text
   * @return the type's simple name
   */
  public static String errorType(String error) {
    int colon = error.indexOf(':');
    return colon < 0 ? error : error.substring(0, colon);
  }
}
