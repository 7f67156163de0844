package dev.larder.core;

import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The settings every database invalidation source shares: who is reading ({@link
 * #consumerName(String)}), how it reconnects ({@link #reconnectBackoff(Duration, Duration)}) and
 * its clock ({@link #timeSource(TimeSource)}). A source's own final builder extends this one and
 * adds what is specific to its database; it reads the values back in its {@code build()} through
 * the protected accessors.
 *
 * <p>As everywhere in Larder, each setting may be given once (a second call throws {@link
 * IllegalStateException} naming the earlier value) and a bad value fails at once, naming the
 * setting and the value.
 *
 * @param <B> the concrete builder, returned by every setter so calls chain
 */
public abstract class InvalidationSourceBuilder<B extends InvalidationSourceBuilder<B>> {
  /** Default consumer name, for sources that keep their position in memory only. */
  public static final String DEFAULT_CONSUMER = "local";

  private static final Pattern CONSUMER = Pattern.compile("[A-Za-z0-9_.:\\-]{1,100}");

  private @Nullable String consumerName;
  private @Nullable ReconnectBackoff reconnectBackoff;
  private @Nullable TimeSource timeSource;

  /** For subclasses. */
  protected InvalidationSourceBuilder() {}

  /**
   * Who is reading: names the source ({@code <kind>:<consumerName>}) and its thread, and keys the
   * position the source stores, if it stores one (see the source's own builder). Every process that
   * caches needs its own name, since each needs every event; default {@value #DEFAULT_CONSUMER}.
   *
   * @param consumerName matching {@code [A-Za-z0-9_.:-]{1,100}}
   * @return this builder
   * @throws IllegalArgumentException if it does not match
   * @throws IllegalStateException if already set
   */
  public final B consumerName(String consumerName) {
    Require.notYetSet(this.consumerName, "consumerName");
    Require.notNull(consumerName, "consumerName");
    if (!CONSUMER.matcher(consumerName).matches()) {
      throw new IllegalArgumentException(
          "consumerName must match " + CONSUMER.pattern() + " but was '" + consumerName + "'");
    }
    this.consumerName = consumerName;
    return self();
  }

  /**
   * Reconnect delays after a failure: doubling from {@code initial}, capped at {@code max}, then
   * jittered into {@code [d/2, d]} (see {@link ReconnectBackoff}); defaults 100 ms and 10 s.
   *
   * @param initial {@code > 0}
   * @param max {@code >= initial}
   * @return this builder
   * @throws IllegalArgumentException if not positive or {@code max < initial}
   * @throws IllegalStateException if already set
   */
  public final B reconnectBackoff(Duration initial, Duration max) {
    Require.notYetSet(this.reconnectBackoff, "reconnectBackoff");
    this.reconnectBackoff = new ReconnectBackoff(initial, max);
    return self();
  }

  /**
   * The clock for the source's schedules (saves, prunes) and for events whose time the database
   * does not give; default {@link TimeSource#system()}.
   *
   * @param timeSource the time source
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public final B timeSource(TimeSource timeSource) {
    Require.notYetSet(this.timeSource, "timeSource");
    this.timeSource = Require.notNull(timeSource, "timeSource");
    return self();
  }

  /**
   * This builder as its concrete type.
   *
   * @return {@code this}
   */
  protected abstract B self();

  /**
   * Whether {@link #consumerName(String)} was called: a source that persists its position under the
   * consumer name should refuse the shared default, because two processes would then overwrite each
   * other's position.
   *
   * @return whether a consumer name was set
   */
  protected final boolean hasConsumerName() {
    return consumerName != null;
  }

  /**
   * The consumer name, or {@link #DEFAULT_CONSUMER} if none was set.
   *
   * @return the consumer name
   */
  protected final String consumer() {
    String name = consumerName;
    return name != null ? name : DEFAULT_CONSUMER;
  }

  /**
   * The reconnect backoff, or {@link ReconnectBackoff#defaults()} if none was set.
   *
   * @return the backoff
   */
  protected final ReconnectBackoff backoff() {
    ReconnectBackoff backoff = reconnectBackoff;
    return backoff != null ? backoff : ReconnectBackoff.defaults();
  }

  /**
   * The time source, or {@link TimeSource#system()} if none was set.
   *
   * @return the time source
   */
  protected final TimeSource time() {
    TimeSource time = timeSource;
    return time != null ? time : TimeSource.system();
  }
}
