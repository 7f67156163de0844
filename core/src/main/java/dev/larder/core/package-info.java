/**
 * Larder's shared vocabulary, used by every other module and free of third-party runtime
 * dependencies other than SLF4J and JSpecify.
 *
 * <ul>
 *   <li>{@link dev.larder.core.LarderException}: the unchecked root of every exception Larder
 *       throws on purpose;
 *   <li>{@link dev.larder.core.FailureClass} and {@link dev.larder.core.FailureClassifier}: how a
 *       failure is judged (transient, permanent, unknown) so retry, routing and fallback agree, and
 *       {@link dev.larder.core.ClassifiedFailure} for a failure that states its own class;
 *   <li>{@link dev.larder.core.InvalidationEvent}, {@link dev.larder.core.InvalidationSource} and
 *       {@link dev.larder.core.InvalidationListener}: the SPI through which databases (jdbc, mongo)
 *       tell caches (cache) what changed, without those modules depending on each other, with
 *       {@link dev.larder.core.AbstractInvalidationSource}, {@link
 *       dev.larder.core.InvalidationSourceBuilder} and {@link dev.larder.core.ReconnectBackoff} as
 *       the shared skeleton for sources that read a database on a background thread;
 *   <li>{@link dev.larder.core.KeyNamespace}: a validated {@code namespace:vN:} key prefix;
 *   <li>{@link dev.larder.core.TimeSource}: the clock seam, with {@link
 *       dev.larder.core.ManualTimeSource} for tests.
 * </ul>
 */
@NullMarked
package dev.larder.core;

import org.jspecify.annotations.NullMarked;
