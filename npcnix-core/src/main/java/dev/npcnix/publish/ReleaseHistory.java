package dev.npcnix.publish;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.local.Digests;
import dev.npcnix.sign.Manifest;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote's release history (design map §10): before a publish replaces the current release, it is
 * copied to {@code <remote>.releases/<sequence>-<sha256-12>.npcnix} (S3 CopyObject, only while it is still
 * the release read: nothing is lost to a publish racing this one), and {@code <remote>.releases/index.json}
 * records every release, its sequence, time, publisher, SHA-256, size and whether it is signed. The index
 * is written with {@code If-Match} on the version read (or {@code If-None-Match: *} when there was none),
 * and merged and written again when another publisher wrote it meanwhile: concurrent publishers lose no
 * entry. Only the {@code keep} newest replaced releases are kept.
 */
public final class ReleaseHistory {
    private static final Logger log = LoggerFactory.getLogger(ReleaseHistory.class);
    public static final String FOLDER = ".releases/";
    public static final String INDEX = FOLDER + "index.json";
    /** How many replaced releases {@code publish} keeps when {@code --keep} is not given. */
    public static final int DEFAULT_KEEP = 10;
    static final int MAX_INDEX_BYTES = 4 * 1024 * 1024;
    private static final int WRITE_ATTEMPTS = 5;

    /**
     * How a publisher keeps history.
     *
     * @param keep how many replaced releases to keep; 0 keeps no history at all
     * @param clock the publish time of unsigned releases
     * @param publisher who publishes, recorded in the index
     */
    public record Policy(int keep, Clock clock, String publisher) {
        public Policy {
            if (keep < 0) {
                throw new dev.npcnix.InvalidInputException("--keep " + keep + ": must be 0 or more");
            }
        }
    }

    /** The index as read, with the ETag of the version read (empty: there was none). */
    record Read(ReleaseIndex index, Optional<dev.npcnix.store.Etag> etag) {
    }

    private final RemoteStore store;
    private final RemoteUri remote;

    ReleaseHistory(RemoteStore store, RemoteUri remote) {
        this.store = store;
        this.remote = remote;
    }

    /** The history of {@code remote} as its index says (empty when none was kept). */
    public static ReleaseIndex read(RemoteStore store, RemoteUri remote) {
        return new ReleaseHistory(store, remote).read().index();
    }

    /** Where a kept release is. */
    RemoteUri object(String key) {
        return remote.sibling(FOLDER + key);
    }

    Read read() {
        RemoteUri index = remote.sibling(INDEX);
        Optional<RemoteStore.Stored> stored;
        try {
            stored = store.read(index, MAX_INDEX_BYTES);
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.ACCESS_DENIED) {
                throw e;
            }
            // S3 answers 403 for a missing key to a caller without s3:ListBucket; the create-only write
            // below fails if the index exists after all, so nothing is overwritten on this guess.
            log.debug("{}: read denied, taking it as absent: {}", index, e.getMessage());
            stored = Optional.empty();
        }
        if (stored.isEmpty()) {
            return new Read(ReleaseIndex.empty(), Optional.empty());
        }
        try {
            return new Read(ReleaseIndex.parse(stored.get().content()), Optional.of(stored.get().etag()));
        } catch (IOException e) {
            throw new StoreException(index, StoreException.Reason.CORRUPT, "not a release index: " + e.getMessage(), e);
        }
    }

    /**
     * Keeps {@code current}, the release about to be replaced: copied inside the store when the index
     * knows it, else (published without history: an earlier npcnix, the Rust tool) downloaded, hashed,
     * and uploaded to the history once.
     *
     * @return its entry, with the key it is kept under
     */
    ReleaseIndex.Entry keepCurrent(RemoteObject current, Path work) throws IOException {
        ReleaseIndex index = read().index();
        Optional<ReleaseIndex.Entry> known = index.byEtag(current.etag());
        if (known.isPresent() && known.get().key() != null) {
            return known.get();
        }
        if (known.isPresent()) {
            ReleaseIndex.Entry entry = known.get();
            Optional<String> already = index.keyFor(entry.sha256());
            String key = already.orElse(entry.defaultKey());
            if (already.isEmpty()) {
                store.copy(remote, object(key), current.etag());
                log.info("kept release {} of {} as {}", entry.sequence(), remote, object(key));
            }
            return entry.withKey(key);
        }
        return keepUnknown(current, index, work);
    }

    private ReleaseIndex.Entry keepUnknown(RemoteObject current, ReleaseIndex index, Path work) throws IOException {
        Path file = work.resolve("replaced.npcnix");
        MessageDigest sha = Digests.sha256();
        long size;
        try (FetchResult.Download d = (FetchResult.Download) store.fetch(remote, Optional.empty())) {
            if (!d.etag().equals(current.etag())) {
                throw RemoteStore.conflict(remote, RemoteStore.Condition.matching(current.etag()));
            }
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha)) {
                size = d.body().transferTo(out);
            }
        }
        String sha256 = Digests.hex(sha);
        Optional<Manifest> manifest = manifestOf(file, work.resolve("replaced"));
        long sequence = manifest.map(Manifest::sequence).orElse(index.nextSequence());
        ReleaseIndex.Entry entry = new ReleaseIndex.Entry(sequence, sha256, current.etag(), size,
                manifest.map(m -> parseInstant(m.publishedAt())).orElse(current.lastModified().orElse(null)),
                manifest.map(Manifest::publisher).orElse(null), manifest.isPresent(), null, 0);
        String key = index.keyFor(sha256).orElse(entry.defaultKey());
        if (index.keyFor(sha256).isEmpty()) {
            store.publish(object(key), file);
            log.info("kept release {} of {} (published without history) as {}", sequence, remote, object(key));
        }
        return entry.withKey(key);
    }

    /** The manifest of a packed release, when it has one (unverified: the index only describes it). */
    static Optional<Manifest> manifestOf(Path archive, Path dir) {
        try (InputStream in = Files.newInputStream(archive)) {
            FlakeArchive.unpack(in, dir, UnpackLimits.defaults());
        } catch (IOException | RuntimeException e) {
            log.warn("{}: cannot unpack ({}); taken as unsigned", archive.getFileName(), e.getMessage());
            return Optional.empty();
        }
        Path file = dir.resolve(Manifest.FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Manifest.parse(Files.readAllBytes(file)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Instant parseInstant(String text) {
        try {
            return text == null ? null : java.time.OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Records {@code published} as the current release (an unsigned one numbered after the highest in the
     * index) and {@code kept} as kept, drops the kept releases beyond {@code keep}, and writes the index
     * conditionally, merging again when another publisher wrote it meanwhile.
     *
     * @return the entry recorded for {@code published}
     */
    ReleaseIndex.Entry record(Optional<ReleaseIndex.Entry> kept, ReleaseIndex.Entry published, int keep) {
        RemoteUri indexObject = remote.sibling(INDEX);
        for (int attempt = 1; ; attempt++) {
            Read read = read();
            ReleaseIndex index = read.index();
            if (kept.isPresent()) {
                index = index.with(kept.get());
            }
            ReleaseIndex.Entry fresh = published.sequence() > 0 ? published
                    : new ReleaseIndex.Entry(index.nextSequence(), published.sha256(), published.etag(), published.size(),
                            published.publishedAt(), published.publisher(), published.signed(), null, published.rollbackOf());
            index = index.with(fresh);
            List<ReleaseIndex.Entry> keptEntries = new ArrayList<>(index.releases().stream().filter(e -> e.key() != null).toList());
            List<String> drop = new ArrayList<>();
            for (int i = 0; i < keptEntries.size() - keep; i++) {
                ReleaseIndex.Entry old = keptEntries.get(i);
                index = index.without(old);
                drop.add(old.key());
            }
            ReleaseIndex result = index;
            drop.removeIf(key -> result.releases().stream().anyMatch(e -> key.equals(e.key())));
            try {
                store.write(indexObject, index.toJson(remote.toString()), "application/json",
                        read.etag().map(RemoteStore.Condition::matching).orElse(RemoteStore.Condition.ABSENT));
            } catch (StoreException e) {
                if (e.reason() == StoreException.Reason.CONFLICT && attempt < WRITE_ATTEMPTS) {
                    log.info("{}: written by another publisher meanwhile; merging again", indexObject);
                    continue;
                }
                throw e;
            }
            for (String key : drop) {
                try {
                    store.delete(object(key));
                    log.info("removed the kept release {} (--keep {})", object(key), keep);
                } catch (StoreException e) {
                    log.warn("cannot remove the kept release {}: {}", object(key), e.getMessage());
                }
            }
            return fresh;
        }
    }
}
