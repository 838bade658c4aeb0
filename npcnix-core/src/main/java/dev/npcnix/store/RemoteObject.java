package dev.npcnix.store;

import java.time.Instant;
import java.util.Optional;

/** What a store says about the object at a remote (HEAD, or the result of a publish). */
public record RemoteObject(RemoteUri remote, Etag etag, long size, Optional<Instant> lastModified) {
    public RemoteObject {
        java.util.Objects.requireNonNull(remote, "remote");
        java.util.Objects.requireNonNull(etag, "etag");
        java.util.Objects.requireNonNull(lastModified, "lastModified");
    }
}
