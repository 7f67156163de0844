/**
 * Larder measured against its anchors in the same run, reported as ratios: JMH benchmarks for hot
 * paths and a scenario runner for system behaviour. Not deployed. See benchmarks/README.md.
 */
@NullMarked
package dev.larder.benchmarks;

import org.jspecify.annotations.NullMarked;
