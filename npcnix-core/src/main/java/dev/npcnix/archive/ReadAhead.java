package dev.npcnix.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Reads a stream on a second thread, a bounded number of chunks ahead of the reader: for an unpack,
 * reading, hashing and decompressing the archive on one core while the reader parses entries and
 * writes files on the other, as {@code zstd -dc | tar -x} does with two processes. At most
 * {@code depth} chunks of {@code chunkSize} bytes are read ahead, so memory stays flat whatever the
 * archive's size. A failure of the source (an {@link IOException}, a {@link RuntimeException}, an
 * {@link Error}) reaches the reader as the same object, where the unread bytes end; so do the end of
 * the stream and a failure after the bytes before it.
 *
 * <p>{@link #close()} stops the reading thread and waits for it, so that the caller may close the
 * source afterwards (it does not close the source itself).
 */
final class ReadAhead extends InputStream {
    private static final Chunk END = new Chunk(null, -1, null);

    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> filled = new LinkedBlockingQueue<>();
    private final Thread thread;
    private Chunk current;
    private int position;
    private boolean closed;

    private record Chunk(byte[] bytes, int length, Throwable failure) {
    }

    ReadAhead(InputStream source, int chunkSize, int depth, String threadName) {
        Objects.requireNonNull(source, "source");
        if (chunkSize < 1 || depth < 1) {
            throw new IllegalArgumentException("chunk size " + chunkSize + ", depth " + depth);
        }
        // depth chunks being filled or waiting, one being read.
        free = new ArrayBlockingQueue<>(depth + 1);
        for (int i = 0; i <= depth; i++) {
            free.add(new byte[chunkSize]);
        }
        thread = new Thread(() -> fill(source), threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void fill(InputStream source) {
        try {
            while (true) {
                byte[] bytes = free.take();
                int n = 0;
                try {
                    for (int r; n < bytes.length && (r = source.read(bytes, n, bytes.length - n)) >= 0; ) {
                        n += r;
                    }
                } finally {
                    if (n > 0) {
                        filled.add(new Chunk(bytes, n, null)); // what was read before a failure, too
                    }
                }
                if (n < bytes.length) {
                    filled.add(END);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed by the reader: nobody waits for more
        } catch (Throwable t) {
            filled.add(new Chunk(null, -1, t));
        }
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
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (current == null || (current.bytes() != null && position == current.length())) {
            if (current != null) {
                free.add(current.bytes());
            }
            current = next();
            position = 0;
        }
        if (current.failure() != null) {
            throw rethrow(current.failure());
        }
        if (current.bytes() == null) {
            return -1; // stays at the end
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.bytes(), position, b, off, n);
        position += n;
        return n;
    }

    private Chunk next() throws InterruptedIOException {
        try {
            return filled.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the archive stream");
        }
    }

    private static IOException rethrow(Throwable failure) {
        if (failure instanceof IOException e) {
            return e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new UncheckedIOException(new IOException(failure)); // a checked exception the source declared not
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        thread.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the source must not be read once the caller closes it: wait on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
