package dev.npcnix.publish;

import dev.npcnix.InvalidInputException;
import dev.npcnix.StateException;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.PackProgress;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.sign.Manifest;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code npcnix rollback --to SEQUENCE|SHA}: publishes a kept release as the current one, in one atomic
 * write of the remote (one PutObject), keeping the release it replaces like any publish. An unsigned
 * release goes back byte for byte (same SHA-256, same S3 ETag). A signed one is signed again with a new
 * sequence above every one published: hosts refuse a sequence they have passed, so the old manifest
 * would be refused by every host that applied a later release. Its content, remote and source revision
 * stay; the publisher and time are the rollback's.
 */
public final class Rollback {
    private Rollback() {
    }

    /** The entry {@code id} names: a sequence number, or a SHA-256 prefix of at least 7 hex digits naming one release. */
    public static ReleaseIndex.Entry find(ReleaseIndex index, RemoteUri remote, String id) {
        String v = id.strip().toLowerCase(java.util.Locale.ROOT);
        List<ReleaseIndex.Entry> matches;
        if (v.matches("[0-9]{1,19}") && index.releases().stream().anyMatch(e -> e.sequence() == Long.parseLong(v))) {
            matches = index.releases().stream().filter(e -> e.sequence() == Long.parseLong(v)).toList();
        } else if (v.matches("[0-9a-f]{7,64}")) {
            matches = index.releases().stream().filter(e -> e.sha256().startsWith(v)).toList();
            if (matches.stream().map(ReleaseIndex.Entry::sha256).distinct().count() == 1) {
                matches = List.of(matches.get(matches.size() - 1)); // the same bytes published twice: the newest
            }
        } else if (v.matches("[0-9]{1,19}")) {
            matches = List.of();
        } else {
            throw new InvalidInputException("--to " + id + ": expected a sequence number or a SHA-256 prefix (7 or more hex digits)");
        }
        if (matches.isEmpty()) {
            throw new InvalidInputException("--to " + id + ": no such release in " + remote.sibling(ReleaseHistory.INDEX)
                    + " (npcnix releases --remote " + remote + " lists them)");
        }
        if (matches.size() > 1) {
            throw new InvalidInputException("--to " + id + ": names " + matches.size() + " releases; give more of the SHA-256");
        }
        return matches.get(0);
    }

    /**
     * Publishes the release {@code id} names as the current one.
     *
     * @param signing required for a signed release (its key signs the new manifest)
     */
    public static PublishResult to(RemoteStores stores, RemoteUri remote, String id, Optional<Signing> signing, Path tempDir,
            ReleaseHistory.Policy policy) {
        RemoteStore store = stores.forRemote(remote);
        if (store.readOnly()) {
            throw RemoteStore.readOnly(remote);
        }
        ReleaseHistory history = new ReleaseHistory(store, remote);
        ReleaseIndex.Entry entry = find(history.read().index(), remote, id);
        if (entry.key() == null) {
            Optional<dev.npcnix.store.RemoteObject> current = store.head(remote);
            if (current.isPresent() && current.get().etag().equals(entry.etag())) {
                return new PublishResult(remote, current.get().etag(), entry.sha256(), entry.size(), 0, true);
            }
            throw new StateException("release " + entry.sequence() + " of " + remote + ": not kept (removed by --keep, or never replaced)");
        }
        if (entry.signed() && signing.isEmpty()) {
            throw new InvalidInputException("release " + entry.sequence() + " of " + remote + " is signed: hosts refuse a sequence"
                    + " they have passed, so it must be signed again with a new one (give --sign-key)");
        }
        if (!entry.signed() && signing.isPresent()) {
            throw new InvalidInputException("release " + entry.sequence() + " of " + remote
                    + " is not signed: --sign-key would make it a different release (roll back without it)");
        }
        Path work = null;
        try {
            Files.createDirectories(tempDir);
            work = Files.createTempDirectory(tempDir, "npcnix-rollback-");
            Path archive = work.resolve("release.npcnix");
            RemoteUri kept = history.object(entry.key());
            try (FetchResult.Download d = (FetchResult.Download) store.fetch(kept, Optional.empty())) {
                Files.copy(d.body(), archive);
            }
            String sha = Digests.sha256Hex(archive);
            if (!sha.equals(entry.sha256())) {
                throw new StoreException(kept, StoreException.Reason.CORRUPT,
                        "SHA-256 " + sha + " is not the " + entry.sha256() + " the index records", null);
            }
            Publisher publisher = new Publisher(stores, work, Optional.of(policy));
            if (!entry.signed()) {
                return publisher.upload(store, archive, remote, 0, 0, Optional.empty(), entry.sequence(), RemoteStore.TransferListener.NONE);
            }
            Path tree = work.resolve("tree");
            Optional<Manifest> old = ReleaseHistory.manifestOf(archive, tree);
            LocalFiles.deleteRecursively(tree.resolve(Manifest.DIR));
            Signing again = new Signing(signing.get().key(), signing.get().publisher(),
                    old.map(Manifest::sourceRevision).filter(r -> r != null), signing.get().clock());
            return publisher.publish(tree, remote, PackOptions.defaults(), Optional.of(again), PackProgress.NONE,
                    RemoteStore.TransferListener.NONE, entry.sequence());
        } catch (IOException e) {
            throw new UncheckedIOException("rollback of " + remote + ": " + e.getMessage(), e);
        } finally {
            if (work != null) {
                LocalFiles.deleteRecursively(work);
            }
        }
    }
}
