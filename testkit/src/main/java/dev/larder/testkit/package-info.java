/** Larder testkit. See this module's README.md. */
@NullMarked
package dev.larder.testkit;

import org.jspecify.annotations.NullMarked;
