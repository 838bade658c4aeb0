package dev.npcnix.publish;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.archive.PackProgress;
import dev.npcnix.archive.PackResult;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
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

    /**
     * @param tempDir where the packed archive is staged before upload
     */
    public Publisher(RemoteStores stores, Path tempDir) {
        this.stores = stores;
        this.tempDir = tempDir;
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
            if (signing.isPresent()) {
                work = Files.createTempDirectory(tempDir, "npcnix-sign-");
                ManifestSigner.Outcome signed = ManifestSigner.packSigned(src, remote, options, signing.get(), store, work, staged, packing);
                if (signed.unchanged().isPresent()) {
                    return signed.unchanged().get();
                }
                packed = signed.packed();
            } else {
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(staged), 1 << 16)) {
                    packed = FlakeArchive.pack(src, out, options, packing);
                }
            }
            packed.warnings().forEach(w -> log.warn("{}", w));
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
                return new PublishResult(remote, existing.get().etag(), shaHex, size, packed.entries(), true);
            }
            RemoteObject published = store.publish(remote, staged, listener);
            log.info("published {} to {} ({} bytes, ETag {})", src, remote, size, published.etag());
            return new PublishResult(remote, published.etag(), shaHex, size, packed.entries(), false);
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
