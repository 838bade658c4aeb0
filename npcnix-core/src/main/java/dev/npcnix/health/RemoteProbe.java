package dev.npcnix.health;

import dev.npcnix.local.LocalFiles;
import dev.npcnix.store.Etag;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.util.Optional;

/**
 * Asks the store about the release just applied, the way a poll does: the {@code remote} check.
 * Returns what the store said; throws when it did not answer (its message is the check's detail).
 */
@FunctionalInterface
public interface RemoteProbe {
    String probe();

    /**
     * The store's own conditional GET of {@code remote} with {@code etag} ({@code If-None-Match}): a 304 or
     * a 200 is an answer (a 200's body is not read); a refused connection, a timeout or a 5xx is not.
     */
    static RemoteProbe conditionalGet(RemoteStores stores, Optional<RemoteUri> remote, Optional<Etag> etag) {
        return () -> {
            RemoteUri r = remote.orElseThrow(() -> new IllegalStateException("no remote set"));
            FetchResult answer = stores.forRemote(r).fetch(r, etag);
            if (answer instanceof FetchResult.Download d) {
                LocalFiles.closeQuietly(d);
                return "answered with release " + d.etag();
            }
            return "answered: unchanged (" + ((FetchResult.Unchanged) answer).etag() + ")";
        };
    }
}
