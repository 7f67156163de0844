/** Larder examples. See this module's README.md. */
@NullMarked
package dev.larder.examples;

import org.jspecify.annotations.NullMarked;
