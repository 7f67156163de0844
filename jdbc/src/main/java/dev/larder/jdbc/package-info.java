/** Larder jdbc. See this module's README.md. */
@NullMarked
package dev.larder.jdbc;

import org.jspecify.annotations.NullMarked;
