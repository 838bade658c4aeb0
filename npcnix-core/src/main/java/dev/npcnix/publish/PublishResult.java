package dev.npcnix.publish;

import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;

/**
 * A release on a remote after {@code publish}.
 *
 * @param unchanged the remote already held these exact bytes, so nothing was uploaded
 * @param entries entries packed
 */
public record PublishResult(RemoteUri remote, Etag etag, String sha256, long size, int entries, boolean unchanged) {
}
