package dev.larder.examples;

import java.time.Duration;

/**
 * One step of the scenario and whether its evidence held.
 *
 * @param number the step's number, from 1
 * @param title what the step does
 * @param wiring the wiring class it shows
 * @param held whether the evidence held
 * @param evidence the evidence, one line
 * @param took how long the step ran
 */
public record StepResult(
    int number, String title, String wiring, boolean held, String evidence, Duration took) {}
