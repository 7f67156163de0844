/** Larder resilience. See this module's README.md. */
@NullMarked
package dev.larder.resilience;

import org.jspecify.annotations.NullMarked;
