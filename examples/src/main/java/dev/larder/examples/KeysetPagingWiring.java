package dev.larder.examples;

import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.SortKey;
import dev.larder.jdbc.keyset.JdbiKeyset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Keyset pagination (larder-core keyset + larder-jdbc keyset): pages are found by seeking past the
 * last row's sort keys, not by OFFSET, so page 500 costs what page 1 costs and rows inserted or
 * deleted while a client pages neither repeat nor vanish. Cursors are opaque, HMAC-signed and
 * versioned: a tampered or foreign cursor is a clear {@code InvalidCursorException} (a 400), never
 * a wrong page.
 *
 * <p>Copy this class for a list endpoint: one {@code JdbiKeyset} per query and sort, built once and
 * shared. The sort here mixes directions (category ASC, price DESC, id ASC), which PostgreSQL
 * cannot seek with one row-value comparison: Larder expands it into an OR-chain led by the first
 * key, served by the matching index from migration V1.
 */
public final class KeysetPagingWiring {
  private KeysetPagingWiring() {}

  /**
   * The cursor codec. Load the secret from your secret store; rotate it by adding the old one as a
   * verification key.
   *
   * @param secret at least 32 bytes
   * @return the codec
   */
  public static CursorCodec cursorCodec(String secret) {
    return CursorCodec.builder()
        .signingKey("k1", secret.getBytes(StandardCharsets.UTF_8))
        .ttl(Duration.ofHours(1))
        .build();
  }

  /**
   * Products by category, most expensive first, id as the tiebreaker.
   *
   * @param codec the cursor codec
   * @param pageSize rows per page when the client does not ask
   * @return the keyset query
   */
  public static JdbiKeyset<Product> productsByCategory(CursorCodec codec, int pageSize) {
    KeysetSpec spec =
        KeysetSpec.builder("products-by-category")
            .sortBy(SortKey.asc("category"), SortKey.desc("price_cents"))
            .tiebreaker("id")
            .defaultPageSize(pageSize)
            .build();
    return JdbiKeyset.builder(spec, codec, (rs, ctx) -> Product.fromRow(rs))
        .baseQuery("SELECT " + Product.COLUMNS + " FROM product")
        .allowedColumns("id", "category", "price_cents", "name")
        .build();
  }
}
