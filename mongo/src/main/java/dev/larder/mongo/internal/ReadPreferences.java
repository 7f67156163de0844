package dev.larder.mongo.internal;

import com.mongodb.ReadPreference;
import com.mongodb.TagSet;
import com.mongodb.TaggableReadPreference;
import dev.larder.core.internal.Require;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Read preference parsing and the checks the driver only makes at server-selection time. Stateless
 * and thread-safe.
 */
public final class ReadPreferences {
  /** The accepted modes, as the driver spells them. */
  public static final List<String> MODES =
      List.of("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest");

  /** The server selection specification's floor for maxStalenessSeconds. */
  public static final Duration MIN_MAX_STALENESS = Duration.ofSeconds(90);

  /** The idle write period the specification adds to the heartbeat for the staleness floor. */
  private static final Duration IDLE_WRITE_PERIOD = Duration.ofSeconds(10);

  private ReadPreferences() {}

  /**
   * Parses a mode, case-insensitively.
   *
   * @param mode the mode
   * @param field the setting's name, for the message
   * @return the driver's spelling
   * @throws IllegalArgumentException naming the value and the accepted modes
   */
  public static String parseMode(@Nullable String mode, String field) {
    String given = Require.notNull(mode, field);
    for (String m : MODES) {
      if (m.equalsIgnoreCase(given.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        field + " must be one of " + MODES + " but was '" + mode + "'");
  }

  /**
   * Builds a read preference, checking what the driver would only check when selecting a server.
   *
   * @param mode a mode from {@link #MODES}
   * @param tagSets tag sets, empty for none
   * @param maxStaleness the staleness bound, or null for none
   * @param heartbeat the heartbeat frequency the client uses
   * @return the read preference
   * @throws IllegalArgumentException if primary is combined with tags or staleness, or the
   *     staleness is below the floor
   */
  public static ReadPreference build(
      String mode, List<TagSet> tagSets, @Nullable Duration maxStaleness, Duration heartbeat) {
    boolean noTags = tagSets.isEmpty() || tagSets.stream().allMatch(t -> !t.iterator().hasNext());
    if (mode.equals("primary")) {
      if (!noTags) {
        throw new IllegalArgumentException(
            "readTagSets must be empty with readPreference primary but was " + tagSets);
      }
      if (maxStaleness != null) {
        throw new IllegalArgumentException(
            "maxStaleness must not be set with readPreference primary but was " + maxStaleness);
      }
      return ReadPreference.primary();
    }
    if (maxStaleness != null) {
      checkStaleness(maxStaleness, heartbeat);
      return ReadPreference.valueOf(mode, tagSets, maxStaleness.toMillis(), TimeUnit.MILLISECONDS);
    }
    return ReadPreference.valueOf(mode, tagSets);
  }

  /**
   * Checks a read preference built elsewhere (the driver's own objects).
   *
   * @param preference the preference
   * @param heartbeat the client's heartbeat frequency
   * @return the preference
   * @throws IllegalArgumentException if its staleness is below the floor
   */
  public static ReadPreference check(ReadPreference preference, Duration heartbeat) {
    if (preference instanceof TaggableReadPreference t) {
      Long ms = t.getMaxStaleness(TimeUnit.MILLISECONDS);
      if (ms != null) {
        checkStaleness(Duration.ofMillis(ms), heartbeat);
      }
    }
    return preference;
  }

  private static void checkStaleness(Duration maxStaleness, Duration heartbeat) {
    if (maxStaleness.compareTo(MIN_MAX_STALENESS) < 0) {
      throw new IllegalArgumentException(
          "maxStaleness must be >= "
              + MIN_MAX_STALENESS
              + " (the driver's minimum maxStalenessSeconds) but was "
              + maxStaleness);
    }
    Duration floor = heartbeat.plus(IDLE_WRITE_PERIOD);
    if (maxStaleness.compareTo(floor) < 0) {
      throw new IllegalArgumentException(
          "maxStaleness must be >= heartbeatFrequency + 10s ("
              + floor
              + ") but was "
              + maxStaleness);
    }
  }
}
