package dev.npcnix.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A read timeout for streams that have none ({@code java.net.http} bodies): when one {@code read}
 * blocks longer than the timeout, a timer closes the stream and the read fails with
 * {@link SocketTimeoutException}. Time the caller spends between reads does not count.
 */
final class StallGuard extends InputStream {
    private final InputStream in;
    private final long timeoutNanos;
    private final ScheduledFuture<?> check;
    private volatile boolean reading;
    private volatile long readStart;
    private volatile boolean tripped;

    StallGuard(InputStream in, Duration timeout, ScheduledExecutorService timer) {
        this.in = in;
        this.timeoutNanos = timeout.toNanos();
        long period = Math.max(20, timeout.toMillis() / 4);
        this.check = timer.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        if (reading && System.nanoTime() - readStart > timeoutNanos) {
            tripped = true;
            check.cancel(false);
            try {
                in.close(); // unblocks the reader
            } catch (IOException e) {
                // the read fails either way
            }
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
        readStart = System.nanoTime();
        reading = true;
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            throw tripped ? timedOut() : e;
        } finally {
            reading = false;
        }
        if (tripped) {
            throw timedOut();
        }
        if (n < 0) {
            check.cancel(false);
        }
        return n;
    }

    private SocketTimeoutException timedOut() {
        return new SocketTimeoutException("no data for " + timeoutNanos / 1_000_000 + " ms");
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        in.close();
    }
}
