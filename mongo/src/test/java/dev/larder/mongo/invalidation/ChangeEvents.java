package dev.larder.mongo.invalidation;

import com.mongodb.MongoClientSettings;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import org.bson.BsonDocument;
import org.bson.BsonDocumentReader;
import org.bson.codecs.Codec;
import org.bson.codecs.DecoderContext;

/**
 * Change events decoded by the driver's own codec from documents shaped as a MongoDB 7 server sends
 * them (field names and types from the server's change-event reference), so the unit tests exercise
 * exactly the objects the source gets from a real stream.
 */
final class ChangeEvents {
  private static final Codec<ChangeStreamDocument<BsonDocument>> CODEC =
      ChangeStreamDocument.createCodec(
          BsonDocument.class, MongoClientSettings.getDefaultCodecRegistry());

  private ChangeEvents() {}

  static ChangeStreamDocument<BsonDocument> decode(String json) {
    return CODEC.decode(
        new BsonDocumentReader(BsonDocument.parse(json)), DecoderContext.builder().build());
  }

  /** A server-shaped event: token, type, namespace, cluster and wall time, plus {@code extra}. */
  static ChangeStreamDocument<BsonDocument> event(String type, String coll, String extra) {
    return decode(
        "{_id: {_data: '8265A1B2C3000000012B0429296E1404'}, operationType: '"
            + type
            + "',"
            + " clusterTime: {$timestamp: {t: 1700000000, i: 1}},"
            + " wallTime: {$date: '2023-11-14T22:13:20.123Z'},"
            + " ns: {db: 'shop', coll: '"
            + coll
            + "'}"
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }
}
