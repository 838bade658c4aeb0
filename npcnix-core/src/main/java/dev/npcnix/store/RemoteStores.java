package dev.npcnix.store;

/**
 * Chooses the store for a remote by its scheme. Owns the clients it builds (one S3 client, one HTTP
 * client, built lazily on first use) and closes them.
 */
public final class RemoteStores implements AutoCloseable {
    private final StoreSettings settings;

    public RemoteStores(StoreSettings settings) {
        this.settings = settings;
    }

    /** The store that serves {@code remote}. */
    public RemoteStore forRemote(RemoteUri remote) {
        throw new UnsupportedOperationException("TODO: store implementations");
    }

    public StoreSettings settings() {
        return settings;
    }

    @Override
    public void close() {
    }
}
