/** Larder mongo. See this module's README.md. */
@NullMarked
package dev.larder.mongo;

import org.jspecify.annotations.NullMarked;
