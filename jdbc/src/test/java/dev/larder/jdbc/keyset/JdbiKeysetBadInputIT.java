package dev.larder.jdbc.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.ManualTimeSource;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.InvalidCursorException.Reason;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a REST endpoint gets from clients, checked against a real table: each is a 400. */
class JdbiKeysetBadInputIT {
  static Jdbi jdbi;
  static final RowMapper<Long> ID = (rs, ctx) -> rs.getLong("id");
  static final ManualTimeSource TIME =
      ManualTimeSource.startingAt(Instant.parse("2026-11-23T12:00:00Z"));
  static final KeysetSpec BY_CREATED =
      KeysetSpec.builder("orders")
          .sortBy(SortKey.desc("created_at"))
          .tiebreaker("id")
          .maxPageSize(100)
          .build();
  static final KeysetSpec BY_TOTAL =
      KeysetSpec.builder("orders")
          .sortBy(SortKey.asc("total"))
          .tiebreaker("id")
          .maxPageSize(100)
          .build();

  static byte[] secret(char c) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) c);
    return s;
  }

  static final CursorCodec K1 =
      CursorCodec.builder()
          .signingKey("k1", secret('1'))
          .ttl(Duration.ofHours(1))
          .timeSource(TIME)
          .build();

  static JdbiKeyset<Long> orders(KeysetSpec spec, CursorCodec codec) {
    return JdbiKeyset.builder(spec, codec, ID)
        .baseQuery("SELECT id, customer, total, created_at FROM orders WHERE customer = :customer")
        .allowedColumns("id", "total", "created_at")
        .build();
  }

  static final JdbiKeyset<Long> ORDERS = orders(BY_CREATED, K1);

  @BeforeAll
  static void createTable() {
    jdbi = KeysetFixtures.freshDatabase("keyset_bad");
    jdbi.useHandle(
        h -> {
          h.execute(
              "CREATE TABLE orders (id bigint PRIMARY KEY, customer int NOT NULL,"
                  + " total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL)");
          h.execute(
              "INSERT INTO orders SELECT g, g % 2, g * 1.5, now() - g * interval '1 minute'"
                  + " FROM generate_series(1, 200) g");
        });
  }

  static String nextCursor(JdbiKeyset<Long> keyset) {
    return keyset
        .fetch(jdbi, PageRequest.first(10), Map.of("customer", 1))
        .nextCursor()
        .orElseThrow();
  }

  static void assertRejected(JdbiKeyset<Long> keyset, PageRequest request, Reason reason) {
    assertThatThrownBy(() -> keyset.fetch(jdbi, request, Map.of("customer", 1)))
        .isInstanceOf(InvalidCursorException.class)
        .extracting(e -> ((InvalidCursorException) e).reason())
        .isEqualTo(reason);
  }

  @Test
  void pageSizeZeroOrOverTheMaximumIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> ORDERS.fetch(jdbi, PageRequest.first(0), Map.of("customer", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be in [1, 100] but was 0");
    assertThatThrownBy(() -> ORDERS.fetch(jdbi, PageRequest.first(101), Map.of("customer", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be in [1, 100] but was 101");
  }

  @Test
  void cursorFromAnotherSortIsRejected() {
    assertRejected(
        orders(BY_TOTAL, K1), PageRequest.after(nextCursor(ORDERS), 10), Reason.WRONG_QUERY);
  }

  @Test
  void cursorFromAnotherFilterValueIsRejected() {
    String cursor = nextCursor(ORDERS);
    assertThatThrownBy(
            () -> ORDERS.fetch(jdbi, PageRequest.after(cursor, 10), Map.of("customer", 0)))
        .isInstanceOf(InvalidCursorException.class)
        .hasMessageContaining("WRONG_QUERY");
  }

  @Test
  void tamperedCursorIsRejected() {
    byte[] bytes = Base64.getUrlDecoder().decode(nextCursor(ORDERS));
    bytes[bytes.length - 17] ^= 0x01; // last byte before the MAC: the tiebreaker's value
    assertRejected(
        ORDERS,
        PageRequest.after(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), 10),
        Reason.BAD_SIGNATURE);
    assertRejected(ORDERS, PageRequest.after("not-a-cursor!", 10), Reason.MALFORMED);
  }

  @Test
  void cursorFromARotatedOutKeyIsRejectedWhileADuringRotationOneIsAccepted() {
    String old = nextCursor(ORDERS);
    CursorCodec rotating =
        CursorCodec.builder()
            .signingKey("k2", secret('2'))
            .verificationKey("k1", secret('1'))
            .timeSource(TIME)
            .build();
    assertThat(
            orders(BY_CREATED, rotating)
                .fetch(jdbi, PageRequest.after(old, 10), Map.of("customer", 1))
                .items())
        .hasSize(10);
    CursorCodec rotated =
        CursorCodec.builder().signingKey("k2", secret('2')).timeSource(TIME).build();
    assertRejected(orders(BY_CREATED, rotated), PageRequest.after(old, 10), Reason.UNKNOWN_KEY);
  }

  @Test
  void expiredCursorIsRejected() {
    String cursor = nextCursor(ORDERS);
    TIME.advance(Duration.ofHours(1).plusSeconds(1));
    assertRejected(ORDERS, PageRequest.after(cursor, 10), Reason.EXPIRED);
  }

  @Test
  void previousCursorGivenAsAfterIsRejected() {
    String cursor = nextCursor(ORDERS);
    String previous =
        ORDERS
            .fetch(jdbi, PageRequest.after(cursor, 10), Map.of("customer", 1))
            .previousCursor()
            .orElseThrow();
    assertRejected(ORDERS, PageRequest.after(previous, 10), Reason.WRONG_DIRECTION);
  }
}
