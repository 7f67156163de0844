/**
 * A seeded, Jepsen-style fault checker for Larder: cache instances, writers and routed readers run
 * against real servers from the testkit while a nemesis injects faults; every operation is recorded
 * with its start and end, and the documented guarantees are checked over the whole history. Entry
 * point: {@link dev.larder.checker.FaultChecker}. Not deployed.
 */
@NullMarked
package dev.larder.checker;

import org.jspecify.annotations.NullMarked;
