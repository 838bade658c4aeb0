package dev.npcnix.publish;

import dev.npcnix.archive.FlakeArchive;
import dev.npcnix.archive.UnpackLimits;
import dev.npcnix.archive.UnpackResult;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.store.Etag;
import dev.npcnix.store.ProgressInputStream;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/** Downloads a remote's release and unpacks it safely, hashing the bytes as they stream through. */
public final class Pull {
    private Pull() {
    }

    /** What was pulled: the store's ETag, the SHA-256 of the packed bytes, and what the unpack created. */
    public record Pulled(RemoteUri remote, Etag etag, String sha256, UnpackResult unpacked) {
    }

    /**
     * Streams the remote's current release into {@code dest} (which must not exist). On any failure
     * nothing is left at {@code dest}.
     */
    public static Pulled into(RemoteStores stores, RemoteUri remote, Path dest, UnpackLimits limits) {
        return into(stores, remote, dest, limits, RemoteStore.TransferListener.NONE);
    }

    /** As {@link #into(RemoteStores, RemoteUri, Path, UnpackLimits)}, reporting the bytes downloaded to {@code listener}. */
    public static Pulled into(RemoteStores stores, RemoteUri remote, Path dest, UnpackLimits limits,
            RemoteStore.TransferListener listener) {
        RemoteStore store = stores.forRemote(remote);
        // No ETag is needed before the body: a file:// store hashes the file once, as it is read.
        try (RemoteStore.Streamed download = store.stream(remote)) {
            InputStream body = listener == RemoteStore.TransferListener.NONE ? download.body()
                    : new ProgressInputStream(download.body(), download.size(), listener);
            if (store.etagIsVerifiedSha256()) {
                // The ETag is the SHA-256 of the bytes read (checked against a known ETag, or computed
                // as they are read): a second pass (a third of a large pull's CPU before the JIT's
                // intrinsic takes over) would only repeat it.
                UnpackResult result = FlakeArchive.unpack(body, dest, limits);
                drain(body, dest);
                return new Pulled(remote, download.etag(), download.etag().value(), result);
            }
            MessageDigest sha = Digests.sha256();
            try (DigestInputStream in = new DigestInputStream(body, sha)) {
                UnpackResult result = FlakeArchive.unpack(in, dest, limits);
                drain(in, dest);
                return new Pulled(remote, download.etag(), Digests.hex(sha), result);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("remote " + remote + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads what the unpack left of the body: nothing, as it reads the archive to its end, where the
     * store's checks run (length, hash). Should one fail here after all, the release is not kept.
     */
    private static void drain(InputStream body, Path dest) throws IOException {
        try {
            body.transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            LocalFiles.deleteRecursively(dest);
            throw e;
        }
    }
}
