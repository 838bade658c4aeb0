package dev.npcnix.follow;

import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;

/**
 * One published version of a remote, as downloaded: the store's ETag and the SHA-256 of the bytes.
 *
 * @param sha256 hex SHA-256 of the bytes; null for a release refused before it was read (over the size limit)
 * @param size bytes of the packed archive
 */
public record Release(RemoteUri remote, Etag etag, String sha256, long size) {
    /** Short form for logs: the ETag and the start of the hash. */
    public String shortId() {
        if (sha256 == null) {
            return etag.toString();
        }
        String sha = "sha256 " + sha256.substring(0, Math.min(12, sha256.length()));
        return etag.value().equals(sha256) ? sha : etag + " (" + sha + ")";
    }
}
