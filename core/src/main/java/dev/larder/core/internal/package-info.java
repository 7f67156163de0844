/** Helpers shared by Larder's modules. Not API: may change in any release without notice. */
@NullMarked
package dev.larder.core.internal;

import org.jspecify.annotations.NullMarked;
