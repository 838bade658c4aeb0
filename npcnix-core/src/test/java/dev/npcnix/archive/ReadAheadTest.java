package dev.npcnix.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The unpack's read-ahead: the same bytes in the same order, failures where they happened, bounded memory, no read after close. */
class ReadAheadTest {
    private static final int CHUNK = 1000;
    private static final int DEPTH = 3;
    private final SplittableRandom random = new SplittableRandom(7);

    @Test
    void theReaderGetsEveryByteInOrderWhateverTheReadSizes() throws IOException {
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 17 * CHUNK + 3}) {
            byte[] bytes = bytes(size);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (ReadAhead in = new ReadAhead(new ByteArrayInputStream(bytes), CHUNK, DEPTH, "test")) {
                byte[] buffer = new byte[3 * CHUNK];
                int n;
                while ((n = in.read(buffer, 0, 1 + random.nextInt(buffer.length))) >= 0) {
                    got.write(buffer, 0, n);
                }
                assertThat(in.read()).as("stays at the end").isEqualTo(-1);
            }
            assertThat(got.toByteArray()).as("%d bytes", size).isEqualTo(bytes);
        }
    }

    @Test
    void aFailureOfTheSourceReachesTheReaderAsItselfAfterTheBytesBeforeIt() throws IOException {
        byte[] before = bytes(2 * CHUNK + 10);
        IOException failure = new IOException("disk on fire");
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(before), new InputStream() {
            @Override
            public int read() throws IOException {
                throw failure;
            }
        });
        try (ReadAhead in = new ReadAhead(failing, CHUNK, DEPTH, "test")) {
            assertThat(in.readNBytes(before.length)).isEqualTo(before);
            assertThatThrownBy(in::read).isSameAs(failure);
            assertThatThrownBy(in::read).as("and again").isSameAs(failure);
        }

        RuntimeException unchecked = new IllegalStateException("bug in the source");
        try (ReadAhead in = new ReadAhead(new InputStream() {
            @Override
            public int read() {
                throw unchecked;
            }
        }, CHUNK, DEPTH, "test")) {
            assertThatThrownBy(in::read).isSameAs(unchecked);
        }
    }

    @Test
    void itReadsAtMostDepthPlusOneChunksAheadOfTheReader() throws IOException {
        AtomicLong consumed = new AtomicLong();
        AtomicLong maxAhead = new AtomicLong();
        InputStream endless = new InputStream() {
            private long produced;

            @Override
            public int read() {
                produced++;
                maxAhead.accumulateAndGet(produced - consumed.get(), Math::max);
                return 'x';
            }
        };
        try (ReadAhead in = new ReadAhead(endless, CHUNK, DEPTH, "test")) {
            for (int i = 0; i < 50 * CHUNK; i++) {
                assertThat(in.read()).isEqualTo('x');
                consumed.incrementAndGet();
            }
        }
        assertThat(maxAhead.get()).isLessThanOrEqualTo((DEPTH + 1) * CHUNK + 1);
    }

    @Test
    void afterCloseTheSourceIsNoLongerRead() throws IOException {
        AtomicLong reads = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                reads.incrementAndGet();
                return 0;
            }
        };
        ReadAhead in = new ReadAhead(endless, CHUNK, DEPTH, "read-ahead-closed");
        in.read();
        in.close();
        long atClose = reads.get();

        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("stream closed");
        assertThat(reads.get()).isEqualTo(atClose); // close waited for the thread: nothing reads any more
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("read-ahead-closed") && t.isAlive());
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
