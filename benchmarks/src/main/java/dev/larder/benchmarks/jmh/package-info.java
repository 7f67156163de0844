/**
 * JMH benchmarks of the hot paths, each paired with its anchor in the same run, and the scenario
 * that runs them and reports ratios.
 */
@NullMarked
package dev.larder.benchmarks.jmh;

import org.jspecify.annotations.NullMarked;
