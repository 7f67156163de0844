/** Implementation details of larder-mongo; not an API, may change in any release. */
@NullMarked
package dev.larder.mongo.internal;

import org.jspecify.annotations.NullMarked;
