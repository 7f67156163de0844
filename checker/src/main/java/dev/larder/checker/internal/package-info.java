/** The checker's machinery: workload, nemesis, history and the checks. */
@NullMarked
package dev.larder.checker.internal;

import org.jspecify.annotations.NullMarked;
