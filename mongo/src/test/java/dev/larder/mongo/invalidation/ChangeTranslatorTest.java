package dev.larder.mongo.invalidation;

import static dev.larder.mongo.invalidation.ChangeEvents.decode;
import static dev.larder.mongo.invalidation.ChangeEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import dev.larder.core.InvalidationEvent;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.bson.BsonValue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ChangeTranslatorTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private final ChangeTranslator collectionStream =
      new ChangeTranslator(
          "origin", "products", Map.of("products", ChangeMapper.idAsKey("products")));
  private final ChangeTranslator databaseStream =
      new ChangeTranslator(
          "origin",
          null,
          Map.of(
              "products", ChangeMapper.idAsKey("products"),
              "orders", ChangeMapper.idAsKey("orders")));

  @Test
  void everyDocumentChangeInvalidatesTheKeyOfItsId() {
    for (String type : new String[] {"insert", "update", "replace", "delete"}) {
      ChangeTranslator.Result r =
          collectionStream.translate(event(type, "products", "documentKey: {_id: 42}"), NOW);
      assertThat(r.next()).isEqualTo(ChangeTranslator.Next.CONTINUE);
      assertThat(r.events())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.cacheName()).isEqualTo("products");
                assertThat(e.keys()).containsExactly("42");
                assertThat(e.all()).isFalse();
                assertThat(e.origin()).isEqualTo("origin");
                assertThat(e.position()).isEqualTo("8265A1B2C3000000012B0429296E1404");
                assertThat(e.occurredAt()).isEqualTo(Instant.parse("2023-11-14T22:13:20.123Z"));
              });
    }
  }

  @Test
  void withoutWallTimeTheClusterTimeDatesTheEventAndWithoutBothNow() {
    InvalidationEvent byCluster =
        collectionStream
            .translate(
                decode(
                    "{_id: {_data: 'AA'}, operationType: 'delete', documentKey: {_id: 'x'},"
                        + " clusterTime: {$timestamp: {t: 1700000000, i: 7}}}"),
                NOW)
            .events()
            .get(0);
    assertThat(byCluster.occurredAt()).isEqualTo(Instant.ofEpochSecond(1700000000));
    InvalidationEvent byNow =
        collectionStream
            .translate(
                decode("{_id: {_data: 'AB'}, operationType: 'delete', documentKey: {_id: 'x'}}"),
                NOW)
            .events()
            .get(0);
    assertThat(byNow.occurredAt()).isEqualTo(NOW);
  }

  @Test
  void updateWhoseDocumentKeyLacksTheIdFallsBackToTheLookedUpDocument() {
    // The in-process stand-in puts the update spec into documentKey; with updateLookup the full
    // document still names the _id.
    InvalidationEvent e =
        collectionStream
            .translate(
                event(
                    "update",
                    "products",
                    "documentKey: {$set: {v: 2}}, fullDocument: {_id: 'sku-1', v: 2}"),
                NOW)
            .events()
            .get(0);
    assertThat(e.keys()).containsExactly("sku-1");
  }

  @Test
  void changeWithoutAnyUsableIdClearsTheWholeCacheInsteadOfMissing() {
    ChangeTranslator.Result r =
        collectionStream.translate(event("update", "products", "documentKey: {$set: {v: 2}}"), NOW);
    assertThat(r.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.all()).isTrue();
              assertThat(e.cacheName()).isEqualTo("products");
            });
  }

  @Test
  void dropAndRenameClearTheCacheAndInvalidateReopens() {
    assertThat(collectionStream.translate(event("drop", "products", ""), NOW).events())
        .singleElement()
        .satisfies(e -> assertThat(e.all()).isTrue());
    assertThat(
            collectionStream
                .translate(
                    event("rename", "products", "to: {db: 'shop', coll: 'old_products'}"), NOW)
                .events())
        .singleElement()
        .satisfies(e -> assertThat(e.all()).isTrue());
    ChangeTranslator.Result invalidate =
        collectionStream.translate(
            decode(
                "{_id: {_data: 'AC'}, operationType: 'invalidate',"
                    + " clusterTime: {$timestamp: {t: 1700000001, i: 1}}}"),
            NOW);
    assertThat(invalidate.next()).isEqualTo(ChangeTranslator.Next.REOPEN_AFTER_INVALIDATE);
    assertThat(invalidate.events())
        .extracting(InvalidationEvent::cacheName)
        .containsExactly("products");
  }

  @Test
  void indexBuildsAndUnknownTypesChangeNoEntry() {
    assertThat(collectionStream.translate(event("createIndexes", "products", ""), NOW).events())
        .isEmpty();
    assertThat(collectionStream.translate(event("somethingNew", "products", ""), NOW).events())
        .isEmpty();
  }

  @Test
  void databaseStreamRoutesByCollectionAndIgnoresUnroutedOnes() {
    assertThat(
            databaseStream
                .translate(event("delete", "orders", "documentKey: {_id: 'o-9'}"), NOW)
                .events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.cacheName()).isEqualTo("orders");
              assertThat(e.keys()).containsExactly("o-9");
            });
    assertThat(
            databaseStream
                .translate(event("insert", "audit", "documentKey: {_id: 1}"), NOW)
                .events())
        .isEmpty();
    assertThat(databaseStream.translate(event("drop", "audit", ""), NOW).events()).isEmpty();
  }

  @Test
  void renameOntoARoutedCollectionClearsItsCache() {
    assertThat(
            databaseStream
                .translate(event("rename", "staging", "to: {db: 'shop', coll: 'orders'}"), NOW)
                .events())
        .extracting(InvalidationEvent::cacheName)
        .containsExactly("orders");
  }

  @Test
  void droppedDatabaseClearsEveryRoutedCacheAndWaitsForTheInvalidate() {
    ChangeTranslator.Result r =
        databaseStream.translate(
            decode("{_id: {_data: 'AD'}, operationType: 'dropDatabase'," + " ns: {db: 'shop'}}"),
            NOW);
    assertThat(r.events())
        .extracting(InvalidationEvent::cacheName)
        .containsExactlyInAnyOrder("products", "orders");
    assertThat(r.events()).allSatisfy(e -> assertThat(e.all()).isTrue());
    assertThat(r.next()).isEqualTo(ChangeTranslator.Next.CONTINUE);
  }

  @Test
  void mapperReturningNullIgnoresTheChange() {
    ChangeMapper onlyStrings =
        mapper(
            Set.of("c"), id -> id.isString() ? new CacheKey("c", id.asString().getValue()) : null);
    ChangeTranslator t = new ChangeTranslator("o", "things", Map.of("things", onlyStrings));
    assertThat(t.translate(event("insert", "things", "documentKey: {_id: 5}"), NOW).events())
        .isEmpty();
    assertThat(t.translate(event("insert", "things", "documentKey: {_id: 'five'}"), NOW).events())
        .extracting(InvalidationEvent::keys)
        .containsExactly(Set.of("five"));
  }

  @Test
  void failingMapperClearsItsCachesInsteadOfStallingTheStream() {
    ChangeMapper broken =
        mapper(
            Set.of("c1", "c2"),
            id -> {
              throw new IllegalStateException("mapper bug");
            });
    ChangeTranslator t = new ChangeTranslator("o", "things", Map.of("things", broken));
    assertThat(t.translate(event("update", "things", "documentKey: {_id: 5}"), NOW).events())
        .extracting(InvalidationEvent::cacheName, InvalidationEvent::all)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("c1", true),
            org.assertj.core.groups.Tuple.tuple("c2", true));
  }

  @Test
  void positionIsTheTokensDataOrItsJson() {
    assertThat(ChangeTranslator.position(org.bson.BsonDocument.parse("{_data: 'F00'}")))
        .isEqualTo("F00");
    assertThat(ChangeTranslator.position(org.bson.BsonDocument.parse("{ts: 1}")))
        .isEqualTo("{\"ts\": 1}");
    assertThat(ChangeTranslator.position(null)).isNull();
  }

  private static ChangeMapper mapper(
      Set<String> caches, java.util.function.Function<BsonValue, @Nullable CacheKey> map) {
    return new ChangeMapper() {
      @Override
      public @Nullable CacheKey map(BsonValue id) {
        return map.apply(id);
      }

      @Override
      public Set<String> cacheNames() {
        return caches;
      }
    };
  }
}
