package dev.larder.testkit.internal;

import dev.larder.testkit.MongoFeature;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** The logic behind {@code @RequiresMongo}, apart from JUnit so it can be unit-tested. */
public final class MongoRequirement {

  private MongoRequirement() {}

  /**
   * The required features the server lacks.
   *
   * @param available what the server has
   * @param required what the test needs
   * @return the missing ones, in declaration order, possibly empty
   */
  public static Set<MongoFeature> missing(Set<MongoFeature> available, MongoFeature... required) {
    EnumSet<MongoFeature> missing = EnumSet.noneOf(MongoFeature.class);
    for (MongoFeature f : required) {
      if (!available.contains(f)) {
        missing.add(f);
      }
    }
    return Collections.unmodifiableSet(missing);
  }

  /**
   * The skip reason a report shows.
   *
   * @param missing the missing features
   * @param flavour the server's flavour
   * @return e.g. "needs MongoDB [TRANSACTIONS], which mongo-java-server 1.47.0 (stand-in) lacks;
   *     skipped in this flavour only"
   */
  public static String reason(Set<MongoFeature> missing, String flavour) {
    return "needs MongoDB "
        + missing
        + ", which "
        + flavour
        + " lacks; skipped in this flavour only"
        + " (runs where a real mongod is available: "
        + Settings.MONGO_ENV
        + "=docker)";
  }
}
