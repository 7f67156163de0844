package dev.larder.examples;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.jdbc.RoutingJdbi;
import dev.larder.jdbc.keyset.JdbiKeyset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The keyset paging step ({@link KeysetPagingWiring}): every product is walked 100 per page by
 * (category ASC, price DESC, id ASC), following each page's next cursor as a client would; then
 * walked back from the last page with the previous cursors; then a tampered cursor is sent.
 *
 * <p>Look at the loop: a client only ever holds an opaque cursor ({@code PageRequest.after(cursor,
 * null)}), never an offset. The evidence is checked against the table, not the library: every row
 * once, in the sort's order (the seeded prices repeat within a category, so the id tiebreaker
 * matters), the backward walk returning the same rows, and the tampered cursor refused with {@code
 * InvalidCursorException} (a 400 in a service) rather than answered with a wrong page.
 */
final class KeysetPagingStep {
  private static final int PAGE_SIZE = 100;

  private final Catalog catalog;
  private final Console console;

  KeysetPagingStep(Catalog catalog, Console console) {
    this.catalog = catalog;
    this.console = console;
  }

  Evidence run() throws Exception {
    RoutingJdbi db = catalog.db();
    CursorCodec codec = KeysetPagingWiring.cursorCodec("examples-only-secret-rotate-me-0123456789");
    JdbiKeyset<Product> query = KeysetPagingWiring.productsByCategory(codec, PAGE_SIZE);
    long total =
        db.read(h -> h.createQuery("SELECT count(*) FROM product").mapTo(Long.class).one());

    // Forward: first page, then each page's next cursor until there is none.
    List<Product> forward = new ArrayList<>();
    PageRequest request = PageRequest.first();
    int pages = 0;
    @Nullable String lastPreviousCursor = null;
    while (true) {
      PageRequest req = request;
      Page<Product> page = db.read(h -> query.fetch(h, req));
      pages++;
      forward.addAll(page.items());
      if (pages % 3 == 0) {
        console.detail("... page " + pages + ": " + forward.size() + " of " + total + " rows");
      }
      if (!page.hasNext()) {
        lastPreviousCursor = page.previousCursor().orElse(null);
        break;
      }
      request = PageRequest.after(page.nextCursor().orElseThrow(), null);
    }
    Set<Long> ids = new LinkedHashSet<>();
    forward.forEach(p -> ids.add(p.id()));
    boolean ordered = true;
    for (int i = 1; i < forward.size(); i++) {
      ordered &= compare(forward.get(i - 1), forward.get(i)) < 0;
    }
    console.detail(
        "forward: "
            + pages
            + " pages, "
            + forward.size()
            + " rows, "
            + ids.size()
            + " distinct, in (category ASC, price DESC, id ASC) order: "
            + ordered);

    // Backward: from the last page's previous cursor to the first page.
    List<Product> backward = new ArrayList<>();
    @Nullable String cursor = lastPreviousCursor;
    int backPages = 0;
    while (cursor != null) {
      String c = cursor;
      Page<Product> page = db.read(h -> query.fetch(h, PageRequest.before(c, null)));
      backPages++;
      backward.addAll(0, page.items());
      cursor = page.hasPrevious() ? page.previousCursor().orElse(null) : null;
    }
    List<Product> expectedBackward =
        forward.subList(0, forward.size() - lastPageSize(forward.size(), PAGE_SIZE));
    boolean backOk = backward.equals(expectedBackward);
    console.detail(
        "backward from the last page: "
            + backPages
            + " pages, "
            + backward.size()
            + " rows, same rows in the same order: "
            + backOk);

    // A client edits a cursor: the signature no longer matches.
    String next = db.read(h -> query.fetch(h, PageRequest.first())).nextCursor().orElseThrow();
    String tampered = next.substring(0, next.length() - 2) + (next.endsWith("A") ? "BB" : "AA");
    String rejected;
    try {
      db.read(h -> query.fetch(h, PageRequest.after(tampered, null)));
      rejected = "accepted (wrong)";
    } catch (InvalidCursorException e) {
      rejected = "InvalidCursorException";
      console.detail("a tampered cursor is refused: " + e.getMessage());
    }

    boolean held =
        forward.size() == total
            && ids.size() == total
            && ordered
            && backOk
            && "InvalidCursorException".equals(rejected);
    return new Evidence(
        held,
        pages
            + " pages: "
            + ids.size()
            + " of "
            + total
            + " rows, each once, in order; "
            + "walked back the same; tampered cursor -> "
            + rejected);
  }

  private static int lastPageSize(int total, int pageSize) {
    int rest = total % pageSize;
    return rest == 0 ? pageSize : rest;
  }

  /** The sort's order, computed here: category ASC, price DESC, id ASC. */
  private static int compare(Product x, Product y) {
    int c = x.category().compareTo(y.category());
    if (c != 0) {
      return c;
    }
    c = Long.compare(y.priceCents(), x.priceCents());
    return c != 0 ? c : Long.compare(x.id(), y.id());
  }
}
