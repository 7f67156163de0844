package dev.larder.mongo.invalidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.bson.BsonBinary;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.UuidRepresentation;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class ChangeMapperTest {

  @Test
  void rendersCommonIdTypesTheWayApplicationsWriteThem() {
    ObjectId oid = new ObjectId("65a1b2c3d4e5f60718293a4b");
    assertThat(ChangeMapper.renderId(new BsonObjectId(oid))).isEqualTo("65a1b2c3d4e5f60718293a4b");
    assertThat(ChangeMapper.renderId(new BsonString("sku-1"))).isEqualTo("sku-1");
    assertThat(ChangeMapper.renderId(new BsonInt32(42))).isEqualTo("42");
    assertThat(ChangeMapper.renderId(new BsonInt64(-7L))).isEqualTo("-7");
    assertThat(ChangeMapper.renderId(new BsonDecimal128(Decimal128.parse("1.50"))))
        .isEqualTo("1.50");
    UUID uuid = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    assertThat(ChangeMapper.renderId(new BsonBinary(uuid, UuidRepresentation.STANDARD)))
        .isEqualTo("123e4567-e89b-12d3-a456-426614174000");
  }

  @Test
  void rendersCompoundIdsAsRelaxedJson() {
    assertThat(ChangeMapper.renderId(BsonDocument.parse("{tenant: 't1', n: 3}")))
        .isEqualTo("{\"tenant\": \"t1\", \"n\": 3}");
  }

  @Test
  void idAsKeyMapsIntoItsCacheAndIgnoresEmptyRenderings() {
    ChangeMapper m = ChangeMapper.idAsKey("products");
    assertThat(m.map(new BsonInt32(1))).isEqualTo(new CacheKey("products", "1"));
    assertThat(m.cacheNames()).containsExactly("products");
    ChangeMapper custom = ChangeMapper.idAsKey("products", id -> id.isString() ? "" : "n");
    assertThat(custom.map(new BsonString("x"))).isNull();
    assertThat(custom.map(new BsonInt32(1))).isEqualTo(new CacheKey("products", "n"));
  }

  @Test
  void rejectsBlankCacheNamesNamingTheValue() {
    assertThatThrownBy(() -> ChangeMapper.idAsKey(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cacheName must not be blank but was ' '");
    assertThatThrownBy(() -> new CacheKey("c", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key must not be empty");
  }
}
