package dev.larder.resilience;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The timeouts of one call path, from the innermost wait to the outermost, checked to grow along
 * the way. A call usually crosses several waits: a pool's {@code connectionTimeout} inside a
 * cache's {@code loadTimeout} inside a retry policy's deadline inside the caller's own budget (a
 * gateway's request timeout). Each must be shorter than the next one out: when an outer wait runs
 * out first, the inner failure (a refused connection, with its cause) is never seen — the caller
 * gets a bare timeout — and whatever the outer layer would do with it (retry it, count it, fall
 * back with a cause) does not happen.
 *
 * <pre>{@code
 * TimeoutChain.of("pool connectionTimeout", Duration.ofMillis(pool.getConnectionTimeout()))
 *     .then("loadTimeout", Duration.ofSeconds(2))
 *     .then("retry deadline", policy.deadline().orElseThrow())
 *     .then("request budget", Duration.ofSeconds(5))
 *     .check();   // IllegalStateException naming each pair that does not grow
 * }</pre>
 *
 * <p>Builders that see two links check them the same way at build time (larder-jdbc's {@code
 * RoutingJdbi}: the primary pool's {@code connectionTimeout} against the retry policy's deadline).
 * The check is deliberately simple: strictly shorter, link by link. Leave room on top (a retry must
 * also wait its backoff before its next attempt starts).
 *
 * <p>Immutable: {@link #then} returns a new chain.
 */
public final class TimeoutChain {
  private final List<Link> links;

  private record Link(String name, Duration timeout) {}

  private TimeoutChain(List<Link> links) {
    this.links = List.copyOf(links);
  }

  /**
   * Starts a chain with its innermost wait.
   *
   * @param name what the wait is, as the user knows the setting (e.g. {@code "pool
   *     connectionTimeout"})
   * @param timeout how long it waits
   * @return a chain of one link
   * @throws IllegalArgumentException if {@code name} is blank or {@code timeout} is not positive
   * @throws NullPointerException if an argument is null
   */
  public static TimeoutChain of(String name, Duration timeout) {
    return new TimeoutChain(List.of(link(name, timeout)));
  }

  /**
   * Adds the next wait out, which must be longer than the last one added.
   *
   * @param name what the wait is (e.g. {@code "loadTimeout"})
   * @param timeout how long it waits
   * @return a new chain with the link added
   * @throws IllegalArgumentException if {@code name} is blank or {@code timeout} is not positive
   * @throws NullPointerException if an argument is null
   */
  public TimeoutChain then(String name, Duration timeout) {
    List<Link> next = new ArrayList<>(links);
    next.add(link(name, timeout));
    return new TimeoutChain(next);
  }

  /**
   * Every pair of neighbouring links where the outer wait is not longer than the inner one, each as
   * one sentence that names both settings, their values, and the knobs to turn.
   *
   * @return the contradictions, in chain order; empty when the chain grows all the way
   */
  public List<String> contradictions() {
    List<String> found = new ArrayList<>();
    for (int i = 1; i < links.size(); i++) {
      Link inner = links.get(i - 1);
      Link outer = links.get(i);
      if (inner.timeout().compareTo(outer.timeout()) >= 0) {
        found.add(
            inner.name()
                + " ("
                + inner.timeout()
                + ") must be < "
                + outer.name()
                + " ("
                + outer.timeout()
                + "): "
                + outer.name()
                + " runs out first, so the failure behind "
                + inner.name()
                + " (a refused connection, with its cause) is never seen and cannot be retried; lower "
                + inner.name()
                + " or raise "
                + outer.name());
      }
    }
    return found;
  }

  /**
   * Throws if any neighbouring pair does not grow.
   *
   * @return this chain
   * @throws IllegalStateException naming every contradiction (see {@link #contradictions()})
   */
  public TimeoutChain check() {
    List<String> found = contradictions();
    if (found.size() == 1) {
      throw new IllegalStateException(found.get(0));
    }
    if (!found.isEmpty()) {
      throw new IllegalStateException(
          "timeout chain "
              + this
              + " contradicts itself "
              + found.size()
              + " times: "
              + String.join("; ", found));
    }
    return this;
  }

  /** {@return the chain as {@code name (PT1S) < name (PT2S) < ...}} */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Link l : links) {
      if (b.length() > 0) {
        b.append(" < ");
      }
      b.append(l.name()).append(" (").append(l.timeout()).append(')');
    }
    return b.toString();
  }

  private static Link link(String name, Duration timeout) {
    Require.notNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank but was '" + name + "'");
    }
    return new Link(name, Require.positive(timeout, name));
  }
}
