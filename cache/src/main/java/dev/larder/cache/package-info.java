/** Larder cache. See this module's README.md. */
@NullMarked
package dev.larder.cache;

import org.jspecify.annotations.NullMarked;
