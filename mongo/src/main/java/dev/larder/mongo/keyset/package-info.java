/**
 * Keyset pagination over {@code mongodb-driver-sync}: {@link dev.larder.mongo.keyset.MongoKeyset}
 * turns a {@link dev.larder.core.keyset.KeysetSpec} into {@code $or}-of-compound-comparison
 * filters, a sort and a limit, and returns {@link dev.larder.core.keyset.Page}s with signed
 * cursors; {@link dev.larder.mongo.keyset.MongoCursorTypes} lets cursors carry {@code ObjectId},
 * BSON dates and {@code Decimal128} exactly.
 */
@NullMarked
package dev.larder.mongo.keyset;

import org.jspecify.annotations.NullMarked;
