package dev.larder.examples;

import java.nio.charset.StandardCharsets;

/**
 * A catalog product, as stored in the {@code product} table.
 *
 * @param id the primary key
 * @param sku the stock-keeping unit, unique
 * @param name the display name
 * @param category the category
 * @param priceCents the price in cents
 */
public record Product(long id, String sku, String name, String category, long priceCents) {

  /** The column list every query selects, in the order {@link #fromRow} reads. */
  public static final String COLUMNS = "id, sku, name, category, price_cents";

  /**
   * Encodes the product for a cache (a tab-separated line: small, readable in redis-cli).
   *
   * @return the bytes
   */
  public byte[] toBytes() {
    return String.join("\t", Long.toString(id), sku, name, category, Long.toString(priceCents))
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Decodes bytes made by {@link #toBytes()}.
   *
   * @param bytes the bytes
   * @return the product
   * @throws IllegalArgumentException if the bytes are not an encoded product
   */
  public static Product fromBytes(byte[] bytes) {
    String[] f = new String(bytes, StandardCharsets.UTF_8).split("\t", -1);
    if (f.length != 5) {
      throw new IllegalArgumentException(
          "an encoded product has 5 fields but this one had " + f.length);
    }
    return new Product(Long.parseLong(f[0]), f[1], f[2], f[3], Long.parseLong(f[4]));
  }

  /**
   * Reads a product from the current row of a result set that selected {@link #COLUMNS}.
   *
   * @param rs the result set
   * @return the product
   * @throws java.sql.SQLException if a column cannot be read
   */
  public static Product fromRow(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Product(
        rs.getLong("id"),
        rs.getString("sku"),
        rs.getString("name"),
        rs.getString("category"),
        rs.getLong("price_cents"));
  }
}
