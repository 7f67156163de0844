package dev.larder.core.keyset;

import dev.larder.core.internal.Require;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names a keyset may sort by (columns, document fields), each matching the backend's name
 * pattern, so a sort a client chose (a {@code ?sort=} parameter) never reaches query text
 * unchecked. Backends check every {@link KeysetSpec} key against it when they are built. Immutable.
 */
public final class AllowList {
  private final String setting;
  private final String noun;
  private final Set<String> names;

  private AllowList(String setting, String noun, Set<String> names) {
    this.setting = setting;
    this.noun = noun;
    this.names = Set.copyOf(names);
  }

  /**
   * Checks names and makes the list.
   *
   * @param setting the builder setting the names came from, for messages ({@code allowedColumns})
   * @param noun what a name is, for messages ({@code column}, {@code field})
   * @param pattern every name must match it entirely
   * @param names the names
   * @return the list
   * @throws IllegalArgumentException if a name does not match, naming the setting and the name
   */
  public static AllowList of(String setting, String noun, Pattern pattern, String... names) {
    Require.notNull(setting, "setting");
    Require.notNull(noun, "noun");
    Require.notNull(pattern, "pattern");
    Require.notNull(names, setting);
    for (String n : names) {
      Require.notNull(n, setting + " element");
      if (!pattern.matcher(n).matches()) {
        throw new IllegalArgumentException(
            setting + " must match " + pattern + " but one was \"" + n + "\"");
      }
    }
    return new AllowList(setting, noun, new TreeSet<>(Arrays.asList(names)));
  }

  /**
   * This list with one more name that is always allowed (such as {@code _id}).
   *
   * @param name the name, trusted (not checked against the pattern)
   * @return a new list
   */
  public AllowList with(String name) {
    Require.notNull(name, "name");
    Set<String> more = new TreeSet<>(names);
    more.add(name);
    return new AllowList(setting, noun, more);
  }

  /**
   * Whether a name is allowed.
   *
   * @param name a name
   * @return true if it is in the list
   */
  public boolean contains(String name) {
    return names.contains(name);
  }

  /**
   * Checks that every key of a spec, the tiebreaker included, is allowed.
   *
   * @param spec the spec
   * @throws IllegalStateException naming the first key that is not allowed and listing the allowed
   *     names
   */
  public void check(KeysetSpec spec) {
    Require.notNull(spec, "spec");
    for (SortKey k : spec.keys()) {
      if (!names.contains(k.name())) {
        throw new IllegalStateException(
            "sort key \""
                + k.name()
                + "\" is not an allowed "
                + noun
                + "; allowed: "
                + new TreeSet<>(names));
      }
    }
  }

  /** The setting and the names, in order. */
  @Override
  public String toString() {
    return setting + new TreeSet<>(names);
  }
}
