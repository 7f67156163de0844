/**
 * The system-behaviour scenarios: each runs Larder and its anchor on the same servers in the same
 * run and returns the measurements the runner prints.
 */
@NullMarked
package dev.larder.benchmarks.scenarios;

import org.jspecify.annotations.NullMarked;
