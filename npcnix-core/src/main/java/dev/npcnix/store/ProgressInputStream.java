package dev.npcnix.store;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reports the bytes read so far to a {@link RemoteStore.TransferListener}, for upload and download
 * progress. The total passed on is -1 while the length is unknown.
 */
public final class ProgressInputStream extends FilterInputStream {
    private final long total;
    private final RemoteStore.TransferListener listener;
    private long done;

    /**
     * @param total the length of {@code in}, or -1 when unknown
     */
    public ProgressInputStream(InputStream in, long total, RemoteStore.TransferListener listener) {
        super(in);
        this.total = total;
        this.listener = listener;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            advance(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            advance(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if (skipped > 0) {
            advance(skipped);
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false; // a reset would make progress run backwards
    }

    private void advance(long n) {
        done += n;
        listener.transferred(done, total < 0 ? -1 : Math.max(total, done));
    }
}
