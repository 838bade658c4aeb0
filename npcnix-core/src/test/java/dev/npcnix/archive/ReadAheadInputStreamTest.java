package dev.npcnix.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import dev.npcnix.testing.Await;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReadAheadInputStreamTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void passesEveryByteInOrderWhateverTheReadSizes() throws IOException {
        for (int size : new int[] {0, 1, 7, 8, 9, 1000, 65_537}) {
            byte[] data = bytes(size);
            try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), 8, 3, "t")) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[5];
                int n;
                while ((n = in.read(buf, 0, 1 + out.size() % 5)) >= 0) {
                    out.write(buf, 0, n);
                }
                assertThat(out.toByteArray()).as("%d bytes", size).isEqualTo(data);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void aFailureOfTheSourceArrivesAfterTheBytesBeforeItAsTheSameObject() {
        IOException broken = new IOException("connection reset");
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(bytes(20)), new InputStream() {
            @Override
            public int read() throws IOException {
                throw broken;
            }
        });
        ReadAheadInputStream in = new ReadAheadInputStream(failing, 8, 2, "t");

        assertThatThrownBy(() -> in.readNBytes(100)).isSameAs(broken);
        RuntimeException unchecked = new IllegalStateException("store failure");
        ReadAheadInputStream in2 = new ReadAheadInputStream(new InputStream() {
            @Override
            public int read() {
                throw unchecked;
            }
        }, 8, 2, "t");
        assertThatThrownBy(in2::read).isSameAs(unchecked);
    }

    @Test
    void itReadsAtMostDepthChunksAheadAndClosingStopsTheThreadWhichClosesTheSource() {
        AtomicInteger served = new AtomicInteger();
        AtomicBoolean sourceClosed = new AtomicBoolean();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served.incrementAndGet();
                return 1;
            }

            @Override
            public void close() {
                sourceClosed.set(true);
            }
        };
        ReadAheadInputStream in = new ReadAheadInputStream(endless, 4, 2, "t");

        // Two chunks wait in the queue, a third is being offered: never more than 3 x 4 bytes read.
        Await.until(Duration.ofSeconds(10), "the thread to fill the queue", () -> served.get() >= 12);
        assertThat(served.get()).isLessThanOrEqualTo(12);

        in.close();
        Await.until(Duration.ofSeconds(10), "the source to be closed", sourceClosed::get);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("stream closed");
    }

    @Test
    void closingWhileTheSourceIsInAReadLetsThatReadEndFirst() throws Exception {
        CountDownLatch inRead = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean closedDuringRead = new AtomicBoolean();
        AtomicBoolean reading = new AtomicBoolean();
        AtomicBoolean sourceClosed = new AtomicBoolean();
        InputStream slow = new InputStream() {
            @Override
            public int read() throws IOException {
                reading.set(true);
                inRead.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    // an interrupt must not make the source close under this read
                }
                reading.set(false);
                return -1;
            }

            @Override
            public void close() {
                closedDuringRead.set(reading.get());
                sourceClosed.set(true);
            }
        };
        ReadAheadInputStream in = new ReadAheadInputStream(slow, 4, 2, "t");
        inRead.await();

        in.close();
        release.countDown();

        Await.until(Duration.ofSeconds(10), "the source to be closed", sourceClosed::get);
        assertThat(closedDuringRead).as("the source is closed by its own thread, after the read").isFalse();
    }
}
