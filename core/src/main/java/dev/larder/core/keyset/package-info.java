/**
 * Keyset ("seek") pagination, the driver-neutral half: what a keyset is, what a page is, and signed
 * opaque cursors.
 *
 * <ul>
 *   <li>{@link dev.larder.core.keyset.KeysetSpec}: the ordered sort keys (direction, null ordering,
 *       a unique last key), page sizes and the query's name;
 *   <li>{@link dev.larder.core.keyset.CursorCodec}: versioned, HMAC-signed, URL-safe cursors with
 *       key rotation and an optional time to live;
 *   <li>{@link dev.larder.core.keyset.PageRequest} and {@link dev.larder.core.keyset.Page}: what a
 *       caller asks for and gets back;
 *   <li>{@link dev.larder.core.keyset.KeysetPager}: the steps every backend shares (open a request,
 *       assemble a page), used by {@code larder-jdbc} and {@code larder-mongo};
 *   <li>{@link dev.larder.core.keyset.InvalidCursorException}: a cursor that must not be honoured,
 *       with a {@link dev.larder.core.keyset.InvalidCursorException.Reason}.
 * </ul>
 */
@NullMarked
package dev.larder.core.keyset;

import org.jspecify.annotations.NullMarked;
