package dev.larder.benchmarks;

import java.util.List;

/**
 * A system-behaviour benchmark: runs Larder and its anchor in the same process and run.
 *
 * <p>A scenario prints its readable table itself (to the given report) and returns its
 * measurements; the runner prints their JSON lines at the end, one per metric.
 */
public interface Scenario {

  /**
   * The scenario's name on the command line and in the JSON lines.
   *
   * @return e.g. {@code stampede}
   */
  String name();

  /**
   * Runs the scenario.
   *
   * @param quick whether to use the small sizes meant for a CI smoke run (under a minute on 2
   *     cores)
   * @param report where to print the readable table and progress
   * @param plots where to write charts
   * @return the measurements, at least one
   * @throws Exception if the scenario cannot run; the runner reports it and exits non-zero
   */
  List<Measurement> run(boolean quick, Report report, Plots plots) throws Exception;
}
