package dev.larder.examples;

/**
 * What a step proves: whether its evidence held, and one line of it for the summary table.
 *
 * @param held whether the evidence held
 * @param line the evidence, one line
 */
record Evidence(boolean held, String line) {}
