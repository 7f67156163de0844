package dev.larder.mongo.keyset;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import dev.larder.core.internal.Require;
import dev.larder.core.keyset.AllowList;
import dev.larder.core.keyset.CursorCodec;
import dev.larder.core.keyset.InvalidCursorException;
import dev.larder.core.keyset.KeysetPager;
import dev.larder.core.keyset.KeysetSpec;
import dev.larder.core.keyset.NullOrdering;
import dev.larder.core.keyset.Page;
import dev.larder.core.keyset.PageRequest;
import dev.larder.core.keyset.Seek;
import dev.larder.core.keyset.SortDirection;
import dev.larder.core.keyset.SortKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.jspecify.annotations.Nullable;

/**
 * Keyset ("seek") pagination over {@code mongodb-driver-sync}, with the same {@link KeysetSpec},
 * {@link PageRequest}, {@link Page} and cursors as larder-jdbc. Immutable and thread-safe; build
 * one per query and sort with {@link #builder} and share it.
 *
 * <p>A page is one {@code find}: the caller's filter {@code $and} a seek filter, sorted by the
 * keys, limited to one document more than the page (so {@code hasNext} costs no count). The seek
 * filter is an {@code $or} of compound comparisons (keys before {@code i} equal to the cursor's
 * row, key {@code i} {@code $gt}/{@code $lt} it), led by a range on the first key when it is not
 * nullable, so an index on the keys in order bounds the scan. A backward page reads every key the
 * other way and puts the page back in sort order.
 *
 * <p>MongoDB's order is fixed: null and missing fields sort lowest, so a nullable key must be
 * declared {@code asc(..).nullsFirst()} or {@code desc(..).nullsLast()}; a cursor cannot tell null
 * from missing, and neither can MongoDB's sort or {@code {field: null}}. The last key must be
 * unique: make the spec with {@link #spec(String)}, which appends {@code _id}. Each key must hold
 * scalars of one BSON type (all numeric types count as one), because {@code $gt} and {@code $lt}
 * compare within a type while the sort orders across types; arrays and embedded documents are
 * rejected when met. Field names (dotted paths allowed) must be in the builder's allow-list; {@code
 * _id} always is.
 *
 * @param <T> the item type
 */
public final class MongoKeyset<T> {
  /** The tiebreaker {@link #spec(String)} appends. */
  public static final String ID = "_id";

  private static final Pattern FIELD =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
  private static final JsonWriterSettings JSON =
      JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

  private final KeysetPager pager;
  private final Function<? super Document, ? extends T> mapper;

  private MongoKeyset(Builder<T> b) {
    this.pager = KeysetPager.of(b.spec, b.codec);
    this.mapper = b.mapper;
  }

  /**
   * Starts a keyset spec whose tiebreaker is {@code _id}: add the sort keys and build it.
   *
   * @param queryName names the query (part of every cursor's binding)
   * @return a spec builder with {@code tiebreaker("_id")} already set
   * @throws IllegalArgumentException if the name is blank or too long
   */
  public static KeysetSpec.Builder spec(String queryName) {
    return KeysetSpec.builder(queryName).tiebreaker(ID);
  }

  /**
   * Starts a keyset query.
   *
   * @param spec the sort keys and page sizes
   * @param codec makes and checks cursors; must have {@link MongoCursorTypes} registered
   * @param mapper turns a document into an item
   * @param <T> the item type
   * @return a builder
   */
  public static <T> Builder<T> builder(
      KeysetSpec spec, CursorCodec codec, Function<? super Document, ? extends T> mapper) {
    return new Builder<>(
        Require.notNull(spec, "spec"),
        Require.notNull(codec, "codec"),
        Require.notNull(mapper, "mapper"));
  }

  /**
   * The keyset this query pages by.
   *
   * @return the spec
   */
  public KeysetSpec spec() {
    return pager.spec();
  }

  /**
   * Fetches one page of a whole collection.
   *
   * @param collection where to read (its read preference and concern apply)
   * @param request which page
   * @return the page, items in sort order
   * @throws IllegalArgumentException if the page size is not in [1, maxPageSize]
   * @throws InvalidCursorException if the cursor is malformed, tampered with, expired, signed by a
   *     key no longer accepted, or belongs to another query, sort, collection or filter
   * @throws IllegalStateException if a document holds null or nothing in a key not declared
   *     nullable, an array or embedded document in a key, or a value a cursor cannot hold
   * @throws com.mongodb.MongoException if the server fails the query
   */
  public Page<T> fetch(MongoCollection<?> collection, PageRequest request) {
    return fetch(collection, request, new Document());
  }

  /**
   * Fetches one page of the documents a filter matches. The cursor is bound to the collection and
   * the filter: a cursor issued with {@code {owner: 1}} is rejected with {@code {owner: 2}}.
   *
   * @param collection where to read (its read preference and concern apply)
   * @param request which page
   * @param filter the caller's filter, combined with the seek filter by {@code $and}
   * @return the page, items in sort order
   * @throws IllegalArgumentException if the page size is not in [1, maxPageSize]
   * @throws InvalidCursorException if the cursor is malformed, tampered with, expired, signed by a
   *     key no longer accepted, or belongs to another query, sort, collection or filter
   * @throws IllegalStateException if a document holds null or nothing in a key not declared
   *     nullable, an array or embedded document in a key, or a value a cursor cannot hold
   * @throws com.mongodb.MongoException if the server fails the query
   */
  public Page<T> fetch(MongoCollection<?> collection, PageRequest request, Bson filter) {
    Require.notNull(collection, "collection");
    Require.notNull(filter, "filter");
    MongoCollection<Document> docs = collection.withDocumentClass(Document.class);
    BsonDocument filterDocument = filter.toBsonDocument(Document.class, docs.getCodecRegistry());
    KeysetPager.Plan plan =
        pager.open(request, docs.getNamespace().getFullName() + '\n' + filterDocument.toJson(JSON));
    Bson where =
        plan.boundary() == null
            ? filterDocument
            : filterDocument.isEmpty()
                ? seekFilter(plan)
                : Filters.and(filterDocument, seekFilter(plan));
    List<Document> fetched =
        docs.find(where).sort(sort(plan.keys())).limit(plan.fetchSize()).into(new ArrayList<>());
    List<SortKey> keys = spec().keys();
    return pager.assemble(plan, fetched, d -> keyValues(d, keys)).map(mapper);
  }

  /** The seek filter of a plan that starts from a cursor. */
  static Bson seekFilter(KeysetPager.Plan plan) {
    List<Bson> disjuncts = new ArrayList<>();
    for (List<Seek.Term> conjunction : Seek.disjuncts(plan)) {
      List<Bson> terms = new ArrayList<>(conjunction.size());
      for (Seek.Term t : conjunction) {
        terms.add(term(t));
      }
      disjuncts.add(terms.size() == 1 ? terms.get(0) : Filters.and(terms));
    }
    if (disjuncts.isEmpty()) {
      return Filters.in(ID, List.of()); // nothing follows the boundary
    }
    Bson chain = disjuncts.size() == 1 ? disjuncts.get(0) : Filters.or(disjuncts);
    SortKey first = plan.keys().get(0);
    Object v0 = Objects.requireNonNull(plan.boundary()).get(0);
    if (!first.nullable() && disjuncts.size() > 1 && v0 != null) {
      // Redundant for the result; it gives the planner a range on the index's first field.
      Bson bound =
          first.direction() == SortDirection.ASC
              ? Filters.gte(first.name(), v0)
              : Filters.lte(first.name(), v0);
      return Filters.and(bound, chain);
    }
    return chain;
  }

  /** One comparison; {@code {f: null}} matches null and missing, as MongoDB's sort treats them. */
  static Bson term(Seek.Term t) {
    String field = t.key().name();
    Object v = t.value();
    return switch (t.operator()) {
      case EQUAL -> Filters.eq(field, v);
      case IS_NULL -> Filters.eq(field, null);
      case IS_NOT_NULL -> Filters.ne(field, null);
      case AFTER ->
          t.key().direction() == SortDirection.ASC
              ? Filters.gt(field, Objects.requireNonNull(v))
              : Filters.lt(field, Objects.requireNonNull(v));
      default -> throw new IllegalStateException("unknown operator " + t.operator());
    };
  }

  static Bson sort(List<SortKey> keys) {
    List<Bson> sorts = new ArrayList<>(keys.size());
    for (SortKey k : keys) {
      sorts.add(
          k.direction() == SortDirection.ASC
              ? Sorts.ascending(k.name())
              : Sorts.descending(k.name()));
    }
    return Sorts.orderBy(sorts);
  }

  static List<@Nullable Object> keyValues(Document d, List<SortKey> keys) {
    List<@Nullable Object> values = new ArrayList<>(keys.size());
    for (SortKey k : keys) {
      values.add(value(d, k.name()));
    }
    return values;
  }

  /** The value at a dotted path; null when missing, as MongoDB's sort sees it. */
  static @Nullable Object value(Document d, String path) {
    Object current = d;
    for (String part : path.split("\\.", -1)) {
      if (current instanceof List) {
        throw scalarsOnly(path, "an array");
      }
      if (!(current instanceof Document)) {
        return null;
      }
      current = ((Document) current).get(part);
    }
    if (current instanceof List) {
      throw scalarsOnly(path, "an array");
    }
    if (current instanceof Document) {
      throw scalarsOnly(path, "an embedded document");
    }
    return current;
  }

  private static IllegalStateException scalarsOnly(String path, String what) {
    return new IllegalStateException(
        "sort key \""
            + path
            + "\" holds "
            + what
            + " in a document; keyset paging needs scalar keys (MongoDB sorts arrays by an element)");
  }

  /**
   * Builds a {@link MongoKeyset}. Each setting may be given once: a repeated setting fails with
   * {@link IllegalStateException} naming the value set earlier; a bad value fails at once with
   * {@link IllegalArgumentException} naming the setting and the value; rules that involve the spec
   * and the codec are checked in {@link #build()}.
   *
   * <p>Not thread-safe; the keyset query it builds is immutable and thread-safe.
   *
   * @param <T> the item type
   */
  public static final class Builder<T> {
    private final KeysetSpec spec;
    private final CursorCodec codec;
    private final Function<? super Document, ? extends T> mapper;
    private @Nullable AllowList allowedFields;
    private @Nullable List<String> allowedFieldsGiven;

    private Builder(
        KeysetSpec spec, CursorCodec codec, Function<? super Document, ? extends T> mapper) {
      this.spec = spec;
      this.codec = codec;
      this.mapper = mapper;
    }

    /**
     * The fields a sort may use; {@code _id} is always allowed. Names a sort comes from (a {@code
     * ?sort=} parameter) are checked against it before any query is made.
     *
     * @param fields field names or dotted paths of {@code [A-Za-z_][A-Za-z0-9_]*} segments (no
     *     {@code $} operators)
     * @return this builder
     * @throws IllegalArgumentException if a name is not such a path
     * @throws IllegalStateException if already set
     */
    public Builder<T> allowedFields(String... fields) {
      Require.notYetSet(allowedFieldsGiven, "allowedFields");
      allowedFields = AllowList.of("allowedFields", "field", FIELD, fields).with(ID);
      allowedFieldsGiven = List.of(fields);
      return this;
    }

    /**
     * Builds the keyset query.
     *
     * @return the keyset query
     * @throws IllegalStateException if the allow-list is missing; a sort key is not an allowed
     *     field; a nullable key declares a null placement MongoDB does not sort by (ASC keys sort
     *     null first, DESC keys last); or the codec lacks {@link MongoCursorTypes}
     */
    public MongoKeyset<T> build() {
      if (allowedFields == null) {
        throw new IllegalStateException("allowedFields must be set");
      }
      allowedFields.check(spec);
      for (SortKey k : spec.keys()) {
        NullOrdering mongo =
            k.direction() == SortDirection.ASC ? NullOrdering.NULLS_FIRST : NullOrdering.NULLS_LAST;
        if (k.nullable() && k.nulls() != mongo) {
          throw new IllegalStateException(
              "sort key "
                  + k
                  + " must be "
                  + mongo
                  + ": MongoDB sorts null and missing values lowest, so first for ASC and last for"
                  + " DESC");
        }
      }
      if (!codec.supports(ObjectId.class)) {
        throw new IllegalStateException(
            "codec must have MongoDB's key types registered but "
                + codec
                + " has not: build it with MongoCursorTypes.register(CursorCodec.builder())");
      }
      return new MongoKeyset<>(this);
    }
  }
}
