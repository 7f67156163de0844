package dev.larder.core.keyset;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of results, in sort order whichever way it was read, with cursors to the neighbouring
 * pages. Immutable if the items are.
 *
 * <p>{@code hasNext} and {@code hasPrevious} are exact in the direction the page was read (one row
 * more than the page is fetched to tell). In the other direction they say that the cursor's row
 * exists (it was on the page the client came from); if rows were deleted since, that neighbouring
 * page may come back empty.
 *
 * @param <T> the item type
 */
public final class Page<T> {
  private final List<T> items;
  private final boolean hasNext;
  private final boolean hasPrevious;
  private final @Nullable String nextCursor;
  private final @Nullable String previousCursor;

  Page(
      List<T> items,
      boolean hasNext,
      boolean hasPrevious,
      @Nullable String nextCursor,
      @Nullable String previousCursor) {
    this.items = List.copyOf(items);
    this.hasNext = hasNext;
    this.hasPrevious = hasPrevious;
    this.nextCursor = nextCursor;
    this.previousCursor = previousCursor;
  }

  /**
   * The items, in sort order.
   *
   * @return an immutable list, possibly empty
   */
  public List<T> items() {
    return items;
  }

  /**
   * Whether rows follow this page.
   *
   * @return true if there is a next page
   */
  public boolean hasNext() {
    return hasNext;
  }

  /**
   * Whether rows precede this page.
   *
   * @return true if there is a previous page
   */
  public boolean hasPrevious() {
    return hasPrevious;
  }

  /**
   * The cursor for the next page ({@code ?after=}), present when {@link #hasNext()} and the page is
   * not empty.
   *
   * @return the cursor
   */
  public Optional<String> nextCursor() {
    return Optional.ofNullable(nextCursor);
  }

  /**
   * The cursor for the previous page ({@code ?before=}), present when {@link #hasPrevious()} and
   * the page is not empty.
   *
   * @return the cursor
   */
  public Optional<String> previousCursor() {
    return Optional.ofNullable(previousCursor);
  }

  /**
   * This page with its items converted (for example to a response DTO); cursors are unchanged.
   *
   * @param mapper the conversion
   * @param <R> the new item type
   * @return a new page
   */
  public <R> Page<R> map(Function<? super T, ? extends R> mapper) {
    return new Page<R>(
        items.stream().<R>map(mapper).toList(), hasNext, hasPrevious, nextCursor, previousCursor);
  }

  @Override
  public String toString() {
    return "Page{"
        + items.size()
        + " items, hasNext="
        + hasNext
        + ", hasPrevious="
        + hasPrevious
        + "}";
  }
}
