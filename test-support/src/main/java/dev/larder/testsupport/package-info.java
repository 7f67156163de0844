/**
 * Seeded property checks for Larder's own tests: {@link dev.larder.testsupport.Property} runs a
 * property over generated values with a fixed, printed seed, and {@link dev.larder.testsupport.Gen}
 * draws the values (biased towards edges). Used in test scope only; not deployed.
 */
@NullMarked
package dev.larder.testsupport;

import org.jspecify.annotations.NullMarked;
