package dev.npcnix.follow;

import dev.npcnix.archive.ArchiveException;
import dev.npcnix.local.Digests;
import dev.npcnix.local.LocalException;
import dev.npcnix.local.LocalFiles;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Stage 2, {@link Fetch.Incoming} → {@link ReleaseFile}: streams the body into the poll's workspace in
 * {@code tmp/}, hashing it, within the size limit, and checks its length. A failing read is the store's
 * ({@link StoreException}); a failing write is the host's ({@link LocalException}, naming the file).
 */
final class Download implements Stage<Fetch.Incoming, Download.ReleaseFile> {
    private static final int BUFFER = 128 * 1024;

    /** A release downloaded completely: its bytes in {@code archive}, their SHA-256 in the release. */
    record ReleaseFile(Release release, Path archive) implements Pipeline.ReleaseBound {
    }

    private final long maxBytes;

    Download(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public Step<ReleaseFile> run(Fetch.Incoming incoming, Poll poll) {
        FetchResult.Download download = incoming.download();
        try {
            return Step.next(save(incoming, poll.workspace().dir().resolve("release.npcnix")));
        } finally {
            LocalFiles.closeQuietly(download);
        }
    }

    private ReleaseFile save(Fetch.Incoming incoming, Path target) {
        Release known = incoming.release();
        FetchResult.Download download = incoming.download();
        if (download.size() > maxBytes) {
            throw new ArchiveException("release " + known.etag() + " of " + known.remote() + ": " + download.size()
                    + " bytes, more than the limit of " + maxBytes);
        }
        MessageDigest sha = Digests.sha256();
        long total = 0;
        byte[] buf = new byte[BUFFER];
        try (OutputStream out = Files.newOutputStream(target)) {
            InputStream in = download.body();
            int n;
            while ((n = read(incoming, in, buf, total)) > 0) {
                total += n;
                if (total > maxBytes) {
                    throw new ArchiveException("release " + known.etag() + " of " + known.remote()
                            + ": more than the limit of " + maxBytes + " bytes");
                }
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new LocalException(target, "cannot write the download", e);
        }
        if (download.size() >= 0 && total != download.size()) {
            throw new StoreException(known.remote(), StoreException.Reason.CORRUPT, "download truncated: got " + total
                    + " of " + download.size() + " bytes", null);
        }
        return new ReleaseFile(new Release(known.remote(), known.etag(), Digests.hex(sha), total), target);
    }

    /** One read of the body: a failure here is the store's or the network's, never the host's. */
    private static int read(Fetch.Incoming incoming, InputStream in, byte[] buf, long sofar) {
        try {
            return in.read(buf);
        } catch (StoreException e) {
            throw e;
        } catch (IOException e) {
            throw new StoreException(incoming.release().remote(), StoreException.Reason.UNREACHABLE,
                    "download interrupted after " + sofar + " bytes: " + e.getMessage(), e);
        }
    }
}
