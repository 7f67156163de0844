/** Implementation of larder-cache; not API, may change in any release. */
@NullMarked
package dev.larder.cache.internal;

import org.jspecify.annotations.NullMarked;
