/**
 * Larder testkit internals: how servers are started, stopped and frozen in each tier. Not an API;
 * anything here may change without notice.
 */
@NullMarked
package dev.larder.testkit.internal;

import org.jspecify.annotations.NullMarked;
