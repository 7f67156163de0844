/**
 * Larder benchmarks. See this module's README.md.
 */
@NullMarked
package dev.larder.benchmarks;

import org.jspecify.annotations.NullMarked;
