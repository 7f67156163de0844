package dev.larder.mongo.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageDirection;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.SortDirection;
import dev.larder.core.keyset.SortKey;
import dev.larder.testkit.LarderServices;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.bson.Document;
import org.bson.UuidRepresentation;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.jspecify.annotations.Nullable;

/** Shared pieces of the MongoDB keyset ITs: a client, collections, walks and an order oracle. */
final class MongoKeysetFixtures {
  private MongoKeysetFixtures() {}

  /** Created on first use, once per JVM: every keyset IT class shares one client. */
  private static final class Client {
    static final MongoClient INSTANCE =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyConnectionString(
                    new ConnectionString(LarderServices.mongo().connectionString()))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS))
                .uuidRepresentation(UuidRepresentation.STANDARD)
                .build());
  }

  static MongoCollection<Document> freshCollection(String hint) {
    return Client.INSTANCE
        .getDatabase(LarderServices.mongo().uniqueDatabaseName(hint))
        .getCollection("items");
  }

  static CursorCodec codec(String keyId, char fill) {
    return MongoCursorTypes.register(CursorCodec.builder()).signingKey(keyId, secret(fill)).build();
  }

  static byte[] secret(char fill) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) fill);
    return s;
  }

  /**
   * Reads every page from one end to the other and returns the items in sort order, checking on the
   * way that only the end pages lack a neighbour.
   */
  static <T> List<T> walk(
      Function<PageRequest, Page<T>> fetch,
      PageDirection direction,
      int limit,
      List<Page<T>> pagesOut) {
    boolean forward = direction == PageDirection.FORWARD;
    List<T> items = new ArrayList<>();
    PageRequest request = forward ? PageRequest.first(limit) : PageRequest.last(limit);
    for (int n = 0; ; n++) {
      Page<T> page = fetch.apply(request);
      pagesOut.add(page);
      assertThat(forward ? page.hasPrevious() : page.hasNext())
          .as("page %d has a page behind it", n)
          .isEqualTo(n > 0);
      if (forward) {
        items.addAll(page.items());
      } else {
        items.addAll(0, page.items());
      }
      if (!(forward ? page.hasNext() : page.hasPrevious())) {
        return items;
      }
      request =
          forward
              ? PageRequest.after(page.nextCursor().orElseThrow(), limit)
              : PageRequest.before(page.previousCursor().orElseThrow(), limit);
    }
  }

  /** The ids of the documents a filter matches, as the server's own sorted find returns them. */
  static List<Object> sortedIds(MongoCollection<Document> c, Bson filter, List<SortKey> keys) {
    List<Object> ids = new ArrayList<>();
    c.find(filter).sort(MongoKeyset.sort(keys)).forEach(d -> ids.add(d.get("_id")));
    return ids;
  }

  /**
   * MongoDB's documented sort order for the value types these tests store, written independently of
   * the server: null and missing lowest, then numbers (compared by value across int, long, double
   * and Decimal128), strings (by UTF-8 bytes), ObjectIds, booleans, dates.
   */
  static Comparator<Document> documentedOrder(List<SortKey> keys) {
    Comparator<Document> c = (a, b) -> 0;
    for (SortKey k : keys) {
      Comparator<Document> one =
          (a, b) -> compareValues(MongoKeyset.value(a, k.name()), MongoKeyset.value(b, k.name()));
      c = c.thenComparing(k.direction() == SortDirection.ASC ? one : one.reversed());
    }
    return c;
  }

  static int compareValues(@Nullable Object a, @Nullable Object b) {
    int ra = rank(a);
    int rb = rank(b);
    if (ra != rb || a == null || b == null) {
      return Integer.compare(ra, rb);
    }
    if (a instanceof Number || a instanceof Decimal128) {
      return decimal(a).compareTo(decimal(b));
    }
    if (a instanceof String) {
      return Arrays.compareUnsigned(
          ((String) a).getBytes(StandardCharsets.UTF_8),
          ((String) b).getBytes(StandardCharsets.UTF_8));
    }
    if (a instanceof ObjectId) {
      return ((ObjectId) a).compareTo((ObjectId) b);
    }
    if (a instanceof Boolean) {
      return Boolean.compare((Boolean) a, (Boolean) b);
    }
    if (a instanceof Date) {
      return ((Date) a).compareTo((Date) b);
    }
    throw new IllegalArgumentException("no oracle for " + a.getClass());
  }

  private static int rank(@Nullable Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof Number || v instanceof Decimal128) {
      return 1;
    }
    if (v instanceof String) {
      return 2;
    }
    if (v instanceof ObjectId) {
      return 3;
    }
    if (v instanceof Boolean) {
      return 4;
    }
    if (v instanceof Date) {
      return 5;
    }
    throw new IllegalArgumentException("no oracle for " + v.getClass());
  }

  private static BigDecimal decimal(Object v) {
    if (v instanceof Decimal128) {
      return ((Decimal128) v).bigDecimalValue();
    }
    if (v instanceof Double) {
      return BigDecimal.valueOf((Double) v);
    }
    return BigDecimal.valueOf(((Number) v).longValue());
  }
}
