/**
 * Larder core. See this module's README.md.
 */
@NullMarked
package dev.larder.core;

import org.jspecify.annotations.NullMarked;
