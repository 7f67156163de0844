/**
 * The engine behind larder-resilience's public types. Not API: may change in any release without
 * notice.
 */
@NullMarked
package dev.larder.resilience.internal;

import org.jspecify.annotations.NullMarked;
