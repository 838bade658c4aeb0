package dev.npcnix.store;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

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
     * The object's bytes for a reader that needs their ETag only after reading them to the end (a
     * one-shot {@code pull}): a store that names an object by hashing it ({@code file://}) then reads it
     * once instead of twice. The ETag is the one of exactly the bytes read.
     */
    default Streamed stream(RemoteUri remote) {
        FetchResult.Download download = (FetchResult.Download) fetch(remote, Optional.empty());
        return new Streamed(download.size(), download.body(), download::etag);
    }

    /**
     * A body whose ETag {@link #etag()} tells once the body was read to its end (it throws
     * {@link IllegalStateException} before). {@code size} as in {@link FetchResult.Download}.
     */
    record Streamed(long size, InputStream body, Supplier<Etag> etagAtEnd) implements Closeable {
        public Streamed {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(etagAtEnd, "etagAtEnd");
        }

        public Etag etag() {
            return etagAtEnd.get();
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Whether this store's ETags are the SHA-256 (hex) of the content and a {@link FetchResult.Download}
     * body fails unless the bytes read hash to its ETag (a {@link Streamed} one's ETag is that hash):
     * then a reader needs no hash of its own.
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

    // Small objects next to a remote: host reports (<remote>.hosts/), release history (<remote>.releases/).
    // Addressed with RemoteUri#sibling; a read-only store reads but refuses the rest with reason UNSUPPORTED.

    /**
     * The content of a small object and its ETag, or empty when it does not exist. An object larger
     * than {@code maxBytes} fails (reason OTHER) without being read whole.
     */
    Optional<Stored> read(RemoteUri object, int maxBytes);

    /**
     * Replaces {@code object} with {@code content} in one atomic step, when {@code condition} holds (else
     * reason CONFLICT and nothing is written).
     */
    RemoteObject write(RemoteUri object, byte[] content, String contentType, Condition condition);

    /**
     * The objects directly in the folder {@code folder} names next to {@code remote} (its path plus
     * {@code folder}, which ends with {@code /}), sorted by name, every page of the listing read. Names
     * are relative to the folder; an absent folder is empty.
     */
    List<Listed> list(RemoteUri remote, String folder);

    /**
     * Every object under the folder {@code folder} names next to {@code remote}, at any depth (names
     * relative to the folder, with {@code /} between levels), sorted by name, every page read: one
     * paginated LIST on S3 (a rollout's markers, read by a gated host at each poll). Stores without a
     * listing refuse with reason UNSUPPORTED.
     */
    default List<Listed> listTree(RemoteUri remote, String folder) {
        throw writeRefused(remote.sibling(folder.substring(0, folder.length() - 1)));
    }

    /** Removes {@code object}; nothing to do when it does not exist. */
    void delete(RemoteUri object);

    /**
     * Copies {@code from} to {@code to} inside the store (S3 CopyObject: no bytes through this host),
     * atomically, only while {@code from} still has ETag {@code ifMatch} (else reason CONFLICT).
     */
    RemoteObject copy(RemoteUri from, RemoteUri to, Etag ifMatch);

    /** A small object as read: its bytes and the ETag of exactly those bytes. */
    record Stored(byte[] content, Etag etag) {
        public Stored {
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(etag, "etag");
        }
    }

    /** One object of a listing: its name in the folder, its size and, where the store says, its time. */
    record Listed(String name, long size, Optional<Instant> lastModified) {
    }

    /** When a {@link #write} may replace what is there. */
    sealed interface Condition {
        /** Always: the last writer wins. */
        Condition NONE = new Always();

        /** Only when nothing is there ({@code If-None-Match: *}). */
        Condition ABSENT = new Absent();

        /** Only while the object still has this ETag ({@code If-Match}). */
        static Condition matching(Etag etag) {
            return new Matching(etag);
        }

        record Always() implements Condition {
        }

        record Absent() implements Condition {
        }

        record Matching(Etag etag) implements Condition {
            public Matching {
                Objects.requireNonNull(etag, "etag");
            }
        }
    }

    /** The failure of a conditional write whose condition did not hold. */
    static StoreException conflict(RemoteUri object, Condition condition) {
        return new StoreException(object, StoreException.Reason.CONFLICT, condition instanceof Condition.Absent
                ? "already exists (written by someone else meanwhile)"
                : "changed meanwhile (written by someone else)", null);
    }

    /** The failure of writing to a read-only store. */
    static StoreException writeRefused(RemoteUri object) {
        return new StoreException(object, StoreException.Reason.UNSUPPORTED,
                "read-only store (reports, history and rollback need s3:// or file://)", null);
    }

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
