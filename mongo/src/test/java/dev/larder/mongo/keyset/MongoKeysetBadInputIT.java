package dev.larder.mongo.keyset;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.InvalidCursorException.Reason;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a client can send wrong, and documents a keyset cannot page, against a real collection: each
 * is refused with a typed error that names the problem, never an empty or wrong page.
 */
class MongoKeysetBadInputIT {
  static final Bson MINE = eq("owner", 1);
  static final KeysetSpec BY_SCORE =
      MongoKeyset.spec("orders").sortBy(SortKey.desc("score")).maxPageSize(100).build();
  static final KeysetSpec BY_NAME =
      MongoKeyset.spec("orders").sortBy(SortKey.asc("name")).maxPageSize(100).build();
  static final CursorCodec CODEC = MongoKeysetFixtures.codec("k1", '1');

  static MongoCollection<Document> orders;
  static MongoCollection<Document> otherCollection;

  static MongoKeyset<ObjectId> keyset(KeysetSpec spec, CursorCodec codec) {
    return MongoKeyset.builder(spec, codec, d -> d.getObjectId("_id"))
        .allowedFields("score", "name", "tags", "nested")
        .build();
  }

  @BeforeAll
  static void insertOrders() {
    orders = MongoKeysetFixtures.freshCollection("keyset_bad");
    otherCollection = MongoKeysetFixtures.freshCollection("keyset_bad_other");
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      docs.add(new Document("owner", i % 2).append("score", i * 3 % 50).append("name", "n" + i));
    }
    orders.insertMany(docs);
    otherCollection.insertMany(docs.stream().map(d -> new Document(d)).toList());
  }

  /** A next cursor from the second page of my orders, by score. */
  static String cursor() {
    return keyset(BY_SCORE, CODEC)
        .fetch(orders, PageRequest.first(10), MINE)
        .nextCursor()
        .orElseThrow();
  }

  static Reason rejection(Runnable fetch) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(fetch::run);
    assertThat(t).isInstanceOf(InvalidCursorException.class);
    assertThat(t.getMessage()).doesNotContain(cursor());
    return ((InvalidCursorException) t).reason();
  }

  @Test
  void pageSizeZeroOrOverTheMaximumIsRefusedNamingTheValue() {
    MongoKeyset<ObjectId> k = keyset(BY_SCORE, CODEC);
    assertThatThrownBy(() -> k.fetch(orders, PageRequest.first(0), MINE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be in [1, 100] but was 0");
    assertThatThrownBy(() -> k.fetch(orders, PageRequest.after(cursor(), 101), MINE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be in [1, 100] but was 101");
  }

  @Test
  void cursorsAreBoundToSortFilterAndCollection() {
    String c = cursor();
    assertThat(
            rejection(() -> keyset(BY_NAME, CODEC).fetch(orders, PageRequest.after(c, 10), MINE)))
        .as("another sort")
        .isEqualTo(Reason.WRONG_QUERY);
    assertThat(
            rejection(
                () ->
                    keyset(BY_SCORE, CODEC)
                        .fetch(orders, PageRequest.after(c, 10), eq("owner", 0))))
        .as("another filter")
        .isEqualTo(Reason.WRONG_QUERY);
    assertThat(
            rejection(
                () ->
                    keyset(BY_SCORE, CODEC).fetch(otherCollection, PageRequest.after(c, 10), MINE)))
        .as("another collection")
        .isEqualTo(Reason.WRONG_QUERY);
    assertThat(keyset(BY_SCORE, CODEC).fetch(orders, PageRequest.after(c, 10), MINE).items())
        .as("the same query")
        .hasSize(10);
  }

  @Test
  void tamperedOrForgedCursorsAreRefused() {
    byte[] bytes = Base64.getUrlDecoder().decode(cursor());
    bytes[bytes.length - 17] ^= 0x40; // inside the ObjectId, just before the MAC
    String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    MongoKeyset<ObjectId> k = keyset(BY_SCORE, CODEC);
    assertThat(rejection(() -> k.fetch(orders, PageRequest.after(tampered, 10), MINE)))
        .isEqualTo(Reason.BAD_SIGNATURE);
    assertThat(rejection(() -> k.fetch(orders, PageRequest.after("{\"$gt\":1}", 10), MINE)))
        .isEqualTo(Reason.MALFORMED);
    CursorCodec forger = MongoKeysetFixtures.codec("k1", 'x');
    String forged =
        keyset(BY_SCORE, forger)
            .fetch(orders, PageRequest.first(10), MINE)
            .nextCursor()
            .orElseThrow();
    assertThat(rejection(() -> k.fetch(orders, PageRequest.after(forged, 10), MINE)))
        .isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void aRotatedOutKeyIsRefusedWhileAVerificationKeyIsHonoured() {
    String old = cursor();
    CursorCodec rotating =
        MongoCursorTypes.register(CursorCodec.builder())
            .signingKey("k2", MongoKeysetFixtures.secret('2'))
            .verificationKey("k1", MongoKeysetFixtures.secret('1'))
            .build();
    assertThat(keyset(BY_SCORE, rotating).fetch(orders, PageRequest.after(old, 10), MINE).items())
        .hasSize(10);
    CursorCodec rotated = MongoKeysetFixtures.codec("k2", '2');
    assertThat(
            rejection(
                () -> keyset(BY_SCORE, rotated).fetch(orders, PageRequest.after(old, 10), MINE)))
        .isEqualTo(Reason.UNKNOWN_KEY);
  }

  @Test
  void aNextCursorSentAsBeforeIsRefused() {
    String next = cursor();
    assertThat(
            rejection(
                () -> keyset(BY_SCORE, CODEC).fetch(orders, PageRequest.before(next, 10), MINE)))
        .isEqualTo(Reason.WRONG_DIRECTION);
  }

  @Test
  void documentsAKeysetCannotPageAreReportedNotSkipped() {
    MongoCollection<Document> odd = MongoKeysetFixtures.freshCollection("keyset_odd");
    odd.insertOne(
        new Document("score", 1)
            .append("tags", List.of("a", "b"))
            .append("nested", new Document("x", 1)));
    odd.insertOne(new Document("name", "no score"));
    KeysetSpec byTags = MongoKeyset.spec("t").sortBy(SortKey.asc("tags")).build();
    KeysetSpec byNested = MongoKeyset.spec("n").sortBy(SortKey.asc("nested")).build();
    Bson scored = eq("score", 1);
    assertThatThrownBy(() -> keyset(byTags, CODEC).fetch(odd, PageRequest.first(10), scored))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("sort key \"tags\" holds an array");
    assertThatThrownBy(() -> keyset(byNested, CODEC).fetch(odd, PageRequest.first(10), scored))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("sort key \"nested\" holds an embedded document");
    assertThatThrownBy(() -> keyset(BY_SCORE, CODEC).fetch(odd, PageRequest.first(10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sort key \"score\" is declared not nullable");
  }
}
