/**
 * Implementation of larder-jdbc: health monitoring, routing targets, the lazy connection proxy and
 * metric sinks. Not API: anything here may change without notice.
 */
@NullMarked
package dev.larder.jdbc.internal;

import org.jspecify.annotations.NullMarked;
