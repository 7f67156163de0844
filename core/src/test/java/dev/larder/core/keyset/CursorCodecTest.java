package dev.larder.core.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larder.core.LarderException;
import dev.larder.core.ManualTimeSource;
import dev.larder.core.keyset.InvalidCursorException.Reason;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CursorCodecTest {
  static final byte[] SECRET_A = secret('a');
  static final byte[] SECRET_B = secret('b');
  static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  static byte[] secret(char c) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) c);
    return s;
  }

  final ManualTimeSource time = ManualTimeSource.startingAt(T0);
  final CursorCodec codec =
      CursorCodec.builder().signingKey("k1", SECRET_A).timeSource(time).build();

  @Test
  void roundTripsValuesDirectionAndIssueTime() {
    List<Object> values =
        Arrays.asList(
            null,
            "café",
            42L,
            7,
            true,
            new BigDecimal("10.500"),
            OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 123_456_000, ZoneOffset.ofHours(2)),
            LocalDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_999),
            Instant.ofEpochSecond(-5, 1),
            UUID.randomUUID(),
            -0.0d);
    String token = codec.encode(PageDirection.BACKWARD, values, "q");
    DecodedCursor decoded = codec.decode(token, "q");
    assertThat(decoded.values()).isEqualTo(values);
    assertThat(((BigDecimal) decoded.values().get(5)).scale()).isEqualTo(3);
    assertThat(decoded.direction()).isEqualTo(PageDirection.BACKWARD);
    assertThat(decoded.issuedAt()).isEqualTo(T0);
    assertThat(decoded.keyId()).isEqualTo("k1");
    assertThat(token).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void rejectsCursorBoundToAnotherQuery() {
    String token = codec.encode(PageDirection.FORWARD, List.of(1L), "query-a");
    assertReason(() -> codec.decode(token, "query-b"), Reason.WRONG_QUERY);
  }

  @Test
  void rejectsTamperedCursor() {
    String token = codec.encode(PageDirection.FORWARD, List.of(1000L), "q");
    byte[] bytes = Base64.getUrlDecoder().decode(token);
    bytes[bytes.length - 20] ^= 1; // inside the value, before the MAC
    String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    assertReason(() -> codec.decode(tampered, "q"), Reason.BAD_SIGNATURE);
  }

  @Test
  void rejectsCursorSignedWithAnotherSecretUnderTheSameKeyId() {
    CursorCodec other = CursorCodec.builder().signingKey("k1", SECRET_B).timeSource(time).build();
    String token = other.encode(PageDirection.FORWARD, List.of(1L), "q");
    assertReason(() -> codec.decode(token, "q"), Reason.BAD_SIGNATURE);
  }

  @Test
  void acceptsOldKeyDuringRotationAndRejectsItOnceRotatedOut() {
    String oldToken = codec.encode(PageDirection.FORWARD, List.of(1L), "q");
    CursorCodec rotating =
        CursorCodec.builder()
            .signingKey("k2", SECRET_B)
            .verificationKey("k1", SECRET_A)
            .timeSource(time)
            .build();
    assertThat(rotating.decode(oldToken, "q").keyId()).isEqualTo("k1");
    assertThat(
            rotating.decode(rotating.encode(PageDirection.FORWARD, List.of(2L), "q"), "q").keyId())
        .isEqualTo("k2");
    CursorCodec rotated = CursorCodec.builder().signingKey("k2", SECRET_B).timeSource(time).build();
    assertReason(() -> rotated.decode(oldToken, "q"), Reason.UNKNOWN_KEY);
  }

  @Test
  void oldKeyWithDeadlineIsRetiredAfterIt() {
    String oldToken = codec.encode(PageDirection.FORWARD, List.of(1L), "q");
    CursorCodec rotating =
        CursorCodec.builder()
            .signingKey("k2", SECRET_B)
            .verificationKey("k1", SECRET_A, T0.plus(Duration.ofDays(1)))
            .timeSource(time)
            .build();
    time.advance(Duration.ofDays(1));
    assertThat(rotating.decode(oldToken, "q").values()).containsExactly(1L);
    time.advance(Duration.ofSeconds(1));
    assertReason(() -> rotating.decode(oldToken, "q"), Reason.KEY_RETIRED);
  }

  @Test
  void expiresAfterTtl() {
    CursorCodec withTtl =
        CursorCodec.builder()
            .signingKey("k1", SECRET_A)
            .ttl(Duration.ofMinutes(10))
            .timeSource(time)
            .build();
    String token = withTtl.encode(PageDirection.FORWARD, List.of(1L), "q");
    time.advance(Duration.ofMinutes(10));
    assertThat(withTtl.decode(token, "q").values()).containsExactly(1L);
    time.advance(Duration.ofSeconds(1));
    assertReason(() -> withTtl.decode(token, "q"), Reason.EXPIRED);
  }

  @Test
  void rejectsMalformedText() {
    String token = codec.encode(PageDirection.FORWARD, List.of(1L), "q");
    for (String bad :
        List.of(
            "",
            "!!!!",
            "abc",
            token + "=",
            token.substring(1),
            "A",
            token + "A",
            "a".repeat(CursorCodec.MAX_CURSOR_LENGTH + 1))) {
      assertThatThrownBy(() -> codec.decode(bad, "q"))
          .isInstanceOf(InvalidCursorException.class)
          .satisfies(
              e ->
                  assertThat(((InvalidCursorException) e).reason())
                      .isIn(
                          Reason.MALFORMED,
                          Reason.UNSUPPORTED_VERSION,
                          Reason.BAD_SIGNATURE,
                          Reason.UNKNOWN_KEY));
    }
    assertReason(() -> codec.decode("", "q"), Reason.MALFORMED);
    assertReason(() -> codec.decode("!!!!", "q"), Reason.MALFORMED);
    assertReason(() -> codec.decode(token + "=", "q"), Reason.MALFORMED);
  }

  @Test
  void rejectsUnknownFormatVersion() {
    byte[] bytes =
        Base64.getUrlDecoder().decode(codec.encode(PageDirection.FORWARD, List.of(1L), "q"));
    bytes[0] = 2;
    assertReason(
        () -> codec.decode(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), "q"),
        Reason.UNSUPPORTED_VERSION);
  }

  @Test
  void messagesHoldNeitherSecretNorPayload() {
    String token = codec.encode(PageDirection.FORWARD, List.of("customer-secret-name"), "q");
    InvalidCursorException e = catchInvalid(() -> codec.decode(token, "other"));
    String secretText = new String(SECRET_A, StandardCharsets.US_ASCII);
    assertThat(e).isInstanceOf(LarderException.class);
    assertThat(e.getMessage())
        .doesNotContain(token)
        .doesNotContain("customer-secret-name")
        .doesNotContain(secretText)
        .contains("WRONG_QUERY");
    assertThat(codec.toString()).doesNotContain(secretText).contains("k1");
  }

  @Test
  void customTypeRoundTripsAsBytes() {
    CustomKeyType<Oid> oid = CustomKeyType.of("oid", Oid.class, Oid::bytes, Oid::new);
    CursorCodec withOid = CursorCodec.builder().signingKey("k1", SECRET_A).customType(oid).build();
    Oid value = new Oid(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    String token = withOid.encode(PageDirection.FORWARD, List.of(value), "q");
    assertThat(withOid.decode(token, "q").values()).containsExactly(value);
    assertThatThrownBy(() -> codec.decode(token, "q"))
        .isInstanceOf(InvalidCursorException.class)
        .extracting(t -> ((InvalidCursorException) t).reason())
        .isEqualTo(Reason.MALFORMED);
  }

  record Oid(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Oid && Arrays.equals(bytes, ((Oid) o).bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Oid[" + java.util.HexFormat.of().formatHex(bytes) + "]";
    }
  }

  @Test
  void unsupportedValueTypeFailsNamingTheType() {
    assertThatThrownBy(
            () -> codec.encode(PageDirection.FORWARD, List.of(new java.util.Date()), "q"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key value 0: values of type java.util.Date cannot go into a cursor");
  }

  @Test
  void builderValidatesEarly() {
    assertThatThrownBy(() -> CursorCodec.builder().signingKey("k1", new byte[8]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret of key \"k1\" must be >= 32 bytes but was 8 bytes");
    assertThatThrownBy(() -> CursorCodec.builder().signingKey("bad id", SECRET_A))
        .hasMessageContaining("keyId must match")
        .hasMessageContaining("\"bad id\"");
    assertThatThrownBy(
            () -> CursorCodec.builder().signingKey("k1", SECRET_A).verificationKey("k1", SECRET_B))
        .hasMessage("keyId must be unique but \"k1\" was given twice");
    assertThatThrownBy(
            () -> CursorCodec.builder().signingKey("k1", SECRET_A).signingKey("k2", SECRET_B))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("signingKey was already set to k1");
    assertThatThrownBy(() -> CursorCodec.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("signingKey must be set");
    assertThatThrownBy(() -> CursorCodec.builder().ttl(Duration.ofMillis(500)))
        .hasMessage("ttl must be >= PT1S but was PT0.5S");
    assertThatThrownBy(() -> CursorCodec.builder().ttl(Duration.ZERO))
        .hasMessage("ttl must be > 0 but was PT0S");
    assertThatThrownBy(
            () ->
                CursorCodec.builder()
                    .customType(
                        CustomKeyType.of(
                            "s",
                            String.class,
                            s -> s.getBytes(StandardCharsets.UTF_8),
                            String::new)))
        .hasMessageContaining("natively supported");
  }

  @Test
  void secretIsCopiedSoLaterChangesToTheCallersArrayDoNotMatter() {
    byte[] secret = secret('c');
    CursorCodec c = CursorCodec.builder().signingKey("k", secret).build();
    String token = c.encode(PageDirection.FORWARD, List.of(1L), "q");
    Arrays.fill(secret, (byte) 0);
    assertThat(c.decode(token, "q").values()).containsExactly(1L);
  }

  static void assertReason(Runnable r, Reason reason) {
    assertThat(catchInvalid(r).reason()).isEqualTo(reason);
  }

  static InvalidCursorException catchInvalid(Runnable r) {
    try {
      r.run();
    } catch (InvalidCursorException e) {
      return e;
    }
    throw new AssertionError("expected an InvalidCursorException");
  }
}
