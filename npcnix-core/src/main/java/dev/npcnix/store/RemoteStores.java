package dev.npcnix.store;

import java.util.Objects;

/**
 * Chooses the store for a remote by its scheme. Owns the clients it builds (one S3 client, one HTTP
 * client, built lazily on first use, so a host following a {@code file://} remote never resolves AWS
 * credentials) and closes them. Thread-safe; the stores it returns are too.
 */
public final class RemoteStores implements AutoCloseable {
    private final StoreSettings settings;
    private FileStore file;
    private S3Store s3;
    private HttpStore http;
    private boolean closed;

    public RemoteStores(StoreSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The store that serves {@code remote}. */
    public synchronized RemoteStore forRemote(RemoteUri remote) {
        if (closed) {
            throw new IllegalStateException("stores already closed");
        }
        return switch (remote.scheme()) {
            case FILE -> file != null ? file : (file = new FileStore());
            case S3 -> s3 != null ? s3 : (s3 = S3Store.open(settings));
            case HTTP -> http != null ? http : (http = new HttpStore(settings));
        };
    }

    public StoreSettings settings() {
        return settings;
    }

    /** Closes the S3 client (and its credentials provider) and the HTTP store's timer. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        if (s3 != null) {
            s3.close();
            s3 = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        file = null;
    }
}
