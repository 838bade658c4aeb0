package dev.npcnix.publish;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.PackProgress;
import dev.npcnix.archive.PackResult;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.rollout.RolloutFile;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a flake to a temp file and publishes it to a remote, unless the remote already holds the
 * identical bytes: packing is deterministic, so an unchanged flake gives an unchanged ETag and no host
 * redeploys. Identity is checked against the store's ETag, which is the MD5 (S3 single-part upload) or
 * the SHA-256 (file store) of the bytes.
 */
public final class Publisher {
    private static final Logger log = LoggerFactory.getLogger(Publisher.class);

    private final RemoteStores stores;
    private final Path tempDir;
    private final Optional<ReleaseHistory.Policy> history;
    private final Optional<Plan> rollout;

    /** A rollout to start with each release: the policy, the clock and who publishes (for the rollout file). */
    private record Plan(RolloutPolicy policy, java.time.Clock clock, String publisher) {
    }

    /**
     * A publisher that keeps no history.
     *
     * @param tempDir where the packed archive is staged before upload
     */
    public Publisher(RemoteStores stores, Path tempDir) {
        this(stores, tempDir, Optional.empty());
    }

    /** A publisher that keeps the release it replaces, as {@code history} says ({@link ReleaseHistory}). */
    public Publisher(RemoteStores stores, Path tempDir, Optional<ReleaseHistory.Policy> history) {
        this(stores, tempDir, history, Optional.empty());
    }

    private Publisher(RemoteStores stores, Path tempDir, Optional<ReleaseHistory.Policy> history, Optional<Plan> rollout) {
        this.stores = stores;
        this.tempDir = tempDir;
        this.history = history.filter(h -> h.keep() > 0);
        this.rollout = rollout;
    }

    /**
     * A publisher whose releases carry {@code policy}: inside the signed manifest when signing, and in
     * {@code <remote>.rollout.json} (written before the release, naming it) either way.
     */
    public Publisher withRollout(RolloutPolicy policy, java.time.Clock clock, String publisher) {
        return new Publisher(stores, tempDir, history, Optional.of(new Plan(policy, clock, publisher)));
    }

    public PublishResult publish(Path src, RemoteUri remote, PackOptions options, RemoteStore.TransferListener listener) {
        return publish(src, remote, options, Optional.empty(), listener);
    }

    /**
     * Publishes {@code src}; with {@code signing}, the archive carries a signed {@code .npcnix/manifest.json}
     * whose sequence number is above the remote's current one, and an unchanged tree signed by the
     * same key is still reported unchanged.
     */
    public PublishResult publish(Path src, RemoteUri remote, PackOptions options, Optional<Signing> signing,
            RemoteStore.TransferListener listener) {
        return publish(src, remote, options, signing, PackProgress.NONE, listener);
    }

    /** As {@link #publish(Path, RemoteUri, PackOptions, Optional, RemoteStore.TransferListener)}, reporting the pack to {@code packing}. */
    public PublishResult publish(Path src, RemoteUri remote, PackOptions options, Optional<Signing> signing,
            PackProgress packing, RemoteStore.TransferListener listener) {
        return publish(src, remote, options, signing, packing, listener, 0);
    }

    /** As above; {@code rollbackOf} is the sequence of the release this one rolls the remote back to, or 0. */
    PublishResult publish(Path src, RemoteUri remote, PackOptions options, Optional<Signing> signing,
            PackProgress packing, RemoteStore.TransferListener listener, long rollbackOf) {
        RemoteStore store = stores.forRemote(remote);
        if (store.readOnly()) {
            throw RemoteStore.readOnly(remote); // before packing, before any request
        }
        Path staged = null;
        Path work = null;
        try {
            Files.createDirectories(tempDir);
            staged = Files.createTempFile(tempDir, "npcnix-publish-", ".npcnix");
            PackResult packed;
            long sequence = 0;
            if (signing.isPresent()) {
                work = Files.createTempDirectory(tempDir, "npcnix-sign-");
                ManifestSigner.Outcome signed = ManifestSigner.packSigned(src, remote, options, signing.get(), rollout.map(Plan::policy), store, work,
                        staged, packing);
                if (signed.unchanged().isPresent()) {
                    return signed.unchanged().get();
                }
                packed = signed.packed();
                sequence = signed.sequence();
            } else {
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(staged), 1 << 16)) {
                    packed = FlakeArchive.pack(src, out, options, packing);
                }
            }
            packed.warnings().forEach(w -> log.warn("{}", w));
            return upload(store, staged, remote, packed.entries(), sequence, signing.map(Signing::publisher), rollbackOf,
                    listener);
        } catch (IOException e) {
            throw new UncheckedIOException("publish " + src + " to " + remote + ": " + e.getMessage(), e);
        } finally {
            if (work != null) {
                LocalFiles.deleteRecursively(work);
            }
            if (staged != null) {
                try {
                    Files.deleteIfExists(staged);
                } catch (IOException e) {
                    log.warn("cannot remove {}: {}", staged, e.toString());
                }
            }
        }
    }

    /**
     * Uploads a packed release unless the remote holds these bytes already, keeping the release it
     * replaces when this publisher keeps history.
     *
     * @param sequence the signed manifest's sequence, or 0 for an unsigned release
     */
    PublishResult upload(RemoteStore store, Path staged, RemoteUri remote, int entries, long sequence,
            Optional<String> signedBy, long rollbackOf, RemoteStore.TransferListener listener) throws IOException {
        Path work = null;
        try {
            MessageDigest sha256 = Digests.sha256();
            MessageDigest md5 = Digests.md5();
            try (InputStream in = Files.newInputStream(staged)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha256.update(buf, 0, n);
                    md5.update(buf, 0, n);
                }
            }
            long size = Files.size(staged);
            String shaHex = Digests.hex(sha256);
            String md5Hex = Digests.hex(md5);
            Optional<RemoteObject> existing = existing(store, remote);
            if (existing.isPresent() && existing.get().size() == size
                    && (existing.get().etag().value().equals(md5Hex) || existing.get().etag().value().equals(shaHex))) {
                log.info("remote {} already holds these bytes ({}): not uploading", remote, existing.get().etag());
                return new PublishResult(remote, existing.get().etag(), shaHex, size, entries, true);
            }
            if (rollout.isPresent()) {
                // before the release: a host that sees the release finds its policy
                Plan plan = rollout.get();
                RolloutFile file = new RolloutFile(RolloutFile.idOf(sequence, shaHex), shaHex, plan.clock().instant(),
                        signedBy.orElse(plan.publisher()), plan.policy());
                store.write(RolloutFile.of(remote), file.toJson(), "application/json", RemoteStore.Condition.NONE);
                log.info("rollout {} of {}: {} waves, policy in {}", file.rolloutId(), remote, plan.policy().waves().size(),
                        RolloutFile.of(remote));
            }
            Optional<ReleaseIndex.Entry> kept = Optional.empty();
            ReleaseHistory releases = new ReleaseHistory(store, remote);
            if (history.isPresent() && existing.isPresent()) {
                work = Files.createTempDirectory(tempDir, "npcnix-history-");
                kept = Optional.of(releases.keepCurrent(existing.get(), work));
            }
            RemoteObject published = store.publish(remote, staged, listener);
            log.info("published {} to {} ({} bytes, ETag {})", staged.getFileName(), remote, size, published.etag());
            if (history.isPresent()) {
                ReleaseHistory.Policy policy = history.get();
                releases.record(kept, new ReleaseIndex.Entry(sequence, shaHex, published.etag(), size, policy.clock().instant(),
                        signedBy.orElse(policy.publisher()), sequence > 0, null, rollbackOf), policy.keep());
            }
            PublishResult result = new PublishResult(remote, published.etag(), shaHex, size, entries, false);
            return rollout.map(p -> result.withRollout(RolloutFile.idOf(sequence, shaHex), p.policy())).orElse(result);
        } finally {
            if (work != null) {
                LocalFiles.deleteRecursively(work);
            }
        }
    }

    /**
     * What the remote holds now, or empty when nothing or unknown. S3 answers the HEAD of a missing key
     * with 403 to a caller without {@code s3:ListBucket}; the documented publisher policy (PutObject and
     * GetObject) must be enough, so a denied HEAD means "unknown": upload, the unchanged check cannot skip.
     * A real denial shows on the upload, with its hint.
     */
    static Optional<RemoteObject> existing(RemoteStore store, RemoteUri remote) {
        try {
            return store.head(remote);
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.ACCESS_DENIED) {
                throw e;
            }
            log.debug("{}: cannot tell what the remote holds ({}); uploading", remote, e.getMessage());
            return Optional.empty();
        }
    }
}
