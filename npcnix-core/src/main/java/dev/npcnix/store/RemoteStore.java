package dev.npcnix.store;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A place that stores and serves packed flakes: one implementation per URI scheme, chosen by
 * {@link RemoteStores#forRemote(RemoteUri)}. Every failure is a {@link StoreException} naming the remote.
 */
public interface RemoteStore {

    /**
     * Fetches the remote unless it still has ETag {@code ifNoneMatch}: one request; when unchanged no
     * body is transferred. The returned ETag is the one of the bytes returned, never of a previous read.
     */
    FetchResult fetch(RemoteUri remote, Optional<Etag> ifNoneMatch);

    /**
     * Whether this store's ETags are the SHA-256 (hex) of the content and a {@link FetchResult.Download}
     * body fails unless the bytes read hash to its ETag: then a reader needs no hash of its own.
     */
    default boolean etagIsVerifiedSha256() {
        return false;
    }

    /** Whether this store only serves ({@code http(s)://}): publishing to it fails before any request. */
    default boolean readOnly() {
        return false;
    }

    /** The failure of publishing to a read-only store. */
    static StoreException readOnly(RemoteUri remote) {
        return new StoreException(remote, StoreException.Reason.UNSUPPORTED,
                "read-only store (publish to s3:// or file://)", null);
    }

    /** Metadata of the object, or empty when it does not exist. */
    Optional<RemoteObject> head(RemoteUri remote);

    /**
     * Replaces the remote's content with {@code archive} in one atomic step (one PutObject on S3,
     * temp file + rename on a file store). Read-only stores throw with reason UNSUPPORTED.
     */
    default RemoteObject publish(RemoteUri remote, Path archive) {
        return publish(remote, archive, TransferListener.NONE);
    }

    /** As {@link #publish(RemoteUri, Path)}, reporting bytes sent to {@code listener} as they go. */
    RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener);

    /** Progress of a transfer, for a progress bar. Called from the transferring thread. */
    @FunctionalInterface
    interface TransferListener {
        TransferListener NONE = (done, total) -> { };

        /**
         * @param bytesTotal the length of the transfer, or -1 when the store did not announce it
         */
        void transferred(long bytesDone, long bytesTotal);
    }
}
