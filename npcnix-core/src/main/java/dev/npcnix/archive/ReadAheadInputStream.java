package dev.npcnix.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a thread of its own, a few chunks ahead of the reader: the shell's
 * {@code zstd -dc | tar -x}, in one process. Unpacking a release spends its time in two halves of
 * about equal size, hashing and decompressing the download (this stream's thread) and writing files
 * (the reader's); on two cores they now overlap.
 *
 * <p>Bounded: at most {@code depth} chunks of {@code chunkSize} bytes wait. A failure of the source
 * (an {@link IOException} or a {@link RuntimeException}, the very object) is thrown to the reader
 * after the bytes read before it, so errors read as they did without this stream. The thread owns
 * the source: it closes it when it ends, after the end of the source, a failure, or {@link #close()}.
 */
final class ReadAheadInputStream extends InputStream {
    private static final byte[] END = new byte[0];

    private final InputStream source;
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private volatile boolean closed;
    private byte[] current = END;
    private int position;
    private boolean ended;

    ReadAheadInputStream(InputStream source, int chunkSize, int depth, String threadName) {
        this.source = Objects.requireNonNull(source, "source");
        if (chunkSize < 1 || depth < 1) {
            throw new IllegalArgumentException("chunk size and depth must be positive");
        }
        this.queue = new ArrayBlockingQueue<>(depth);
        this.thread = new Thread(() -> fill(chunkSize), threadName);
        thread.setDaemon(true); // never keeps the JVM alive; close() ends it anyway
        thread.start();
    }

    /** The thread's loop: chunks, then {@link #END} or the failure; it alone uses and closes the source. */
    private void fill(int chunkSize) {
        try {
            fillFrom(chunkSize);
        } finally {
            try {
                source.close();
            } catch (IOException | RuntimeException e) {
                // the reader has all it needs, or has stopped reading
            }
        }
    }

    private void fillFrom(int chunkSize) {
        Object last;
        try {
            while (true) {
                byte[] chunk = new byte[chunkSize];
                int n = source.readNBytes(chunk, 0, chunkSize);
                if (n > 0 && !offer(n == chunkSize ? chunk : Arrays.copyOf(chunk, n))) {
                    return;
                }
                if (n < chunkSize) {
                    last = END;
                    break;
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            last = e;
        }
        offer(last);
    }

    /** Waits for room; false when the reader closed the stream. */
    private boolean offer(Object item) {
        try {
            while (!closed) {
                if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
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
        if (!next()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    /** Makes bytes available in {@link #current}; false at the end. */
    private boolean next() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (position == current.length) {
            if (ended) {
                return false;
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading ahead");
            }
            if (item == END) {
                ended = true;
                return false;
            }
            if (item instanceof IOException e) {
                ended = true;
                throw e;
            }
            if (item instanceof RuntimeException e) {
                ended = true;
                throw e;
            }
            if (item instanceof Error e) {
                ended = true;
                throw e;
            }
            current = (byte[]) item;
            position = 0;
        }
        return true;
    }

    @Override
    public int available() {
        return current.length - position;
    }

    /**
     * Stops the thread, which then closes the source. It does not wait: the thread may be in a read of
     * a stalled network stream, which ends when the caller closes that stream or it times out. (The
     * source is never closed from here: a zstd stream must not be freed while another thread is in it.)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.clear();
        thread.interrupt();
    }
}
