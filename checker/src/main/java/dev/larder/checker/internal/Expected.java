package dev.larder.checker.internal;

import dev.larder.checker.internal.Op.Outcome;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a cache may return for a key once everything has settled: the database's version, or, when a
 * write of that key by a path the cache hears of from the writer (not from the database) ended with
 * an unknown outcome, anything from the newest version known to be committed up to the database's.
 * Such a write may have committed without anybody invalidating: nothing obliges the cache to see it
 * before the entry's TTL runs out.
 *
 * @param floor the oldest acceptable version
 * @param database the database's version
 */
public record Expected(long floor, long database) {

  /**
   * Whether a version is acceptable.
   *
   * @param version a version a read returned
   * @return true if within [floor, database]
   */
  public boolean accepts(long version) {
    return version >= floor && version <= database;
  }

  /**
   * The expectation per key after a run.
   *
   * @param ops the history
   * @param database the database's versions at the end
   * @return per key, in the database's order
   */
  public static Map<String, Expected> of(List<Op> ops, Map<String, Long> database) {
    Map<String, Long> known = new HashMap<>();
    Map<String, Boolean> unknownDirect = new HashMap<>();
    for (Op op : ops) {
      if (op.type() != Op.Type.WRITE) {
        continue;
      }
      if (op.committed() && op.version() >= 0) {
        known.merge(op.key(), op.version(), Math::max);
      } else if (op.outcome() == Outcome.UNKNOWN && !"outbox".equals(op.detail())) {
        // an outbox row commits with the data, so its invalidation comes whatever the writer saw
        unknownDirect.put(op.key(), true);
      }
    }
    Map<String, Expected> out = new LinkedHashMap<>();
    database.forEach(
        (key, db) -> {
          long floor =
              unknownDirect.getOrDefault(key, false)
                  ? Math.min(db, known.getOrDefault(key, 1L))
                  : db;
          out.put(key, new Expected(floor, db));
        });
    return out;
  }
}
