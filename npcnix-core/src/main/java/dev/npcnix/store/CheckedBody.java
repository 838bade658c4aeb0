package dev.npcnix.store;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;

/**
 * The body of a {@link FetchResult.Download}: passes bytes through, and at end of stream checks that
 * exactly the announced number of bytes arrived (and, when given, that they hash to the expected
 * SHA-256). A short or long body is {@code CORRUPT}; a failing read is mapped by the store (usually
 * {@code UNREACHABLE}). Without this a connection dropped mid-body would look like a complete, smaller
 * archive.
 */
final class CheckedBody extends InputStream {
    private final InputStream in;
    private final RemoteUri remote;
    private final long expectedSize;
    private final MessageDigest digest;
    private final String expectedHex;
    private final Function<Exception, StoreException> onReadFailure;
    private long count;
    private boolean verified;
    private String digestHex;

    /**
     * @param expectedSize bytes the store announced, or -1 when it did not say
     * @param digest a fresh digest (SHA-256 for file stores, MD5 for S3 single-part ETags) when
     *     {@code expectedHex} is given or {@link #digestAtEnd()} is wanted, else null
     * @param expectedHex what the digest must be, or null when it is only computed
     * @param onReadFailure turns a failed read into the store's error
     */
    CheckedBody(InputStream in, RemoteUri remote, long expectedSize, MessageDigest digest, String expectedHex,
            Function<Exception, StoreException> onReadFailure) {
        this.in = Objects.requireNonNull(in);
        this.remote = remote;
        this.expectedSize = expectedSize;
        this.digest = digest;
        this.expectedHex = expectedHex;
        this.onReadFailure = onReadFailure;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        int n;
        try {
            n = in.read(b, off, len);
        } catch (StoreException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw onReadFailure.apply(e);
        }
        if (n < 0) {
            verifyAtEnd();
            return -1;
        }
        count += n;
        if (digest != null) {
            digest.update(b, off, n);
        }
        if (expectedSize >= 0 && count > expectedSize) {
            throw new StoreException(remote, StoreException.Reason.CORRUPT,
                    "download longer than the announced " + expectedSize + " bytes", null);
        }
        return n;
    }

    private void verifyAtEnd() {
        if (verified) {
            return;
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw new StoreException(remote, StoreException.Reason.CORRUPT,
                    "download ended after " + count + " of " + expectedSize + " bytes", null);
        }
        String hex = digest == null ? null : HexFormat.of().formatHex(digest.digest());
        if (expectedHex != null && !expectedHex.equals(hex)) {
            throw new StoreException(remote, StoreException.Reason.CORRUPT,
                    "content does not match its ETag (" + digest.getAlgorithm()
                            + " of the bytes received differs): corrupted in transit or changed while read", null);
        }
        digestHex = hex;
        verified = true;
    }

    /** The hex digest of all the bytes, once they were read to the end; else null. */
    String digestAtEnd() {
        return digestHex;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
