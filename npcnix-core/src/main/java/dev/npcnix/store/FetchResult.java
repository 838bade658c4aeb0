package dev.npcnix.store;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/** The answer to a conditional fetch: nothing new, or the body with the ETag of exactly those bytes. */
public sealed interface FetchResult permits FetchResult.Unchanged, FetchResult.Download {

    /** The remote still holds the release with this ETag; no body was transferred. */
    record Unchanged(Etag etag) implements FetchResult {
        public Unchanged {
            Objects.requireNonNull(etag, "etag");
        }
    }

    /**
     * A body to read. {@code size} is the length the store announced, or -1 when unknown; a body that
     * ends early throws {@link StoreException} with reason CORRUPT or UNREACHABLE from {@code read}.
     * The caller must close it.
     */
    record Download(Etag etag, long size, InputStream body) implements FetchResult, Closeable {
        public Download {
            Objects.requireNonNull(etag, "etag");
            Objects.requireNonNull(body, "body");
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }
}
