package dev.npcnix.cli;

import dev.npcnix.archive.PackProgress;
import dev.npcnix.store.RemoteStore;
import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for a transfer or a pack that takes over a second, only when stderr is a
 * terminal (nothing in CI logs or pipes). Drawn by the progressbar library, as wide as the terminal:
 * MiB done of the total, throughput and the time left. Time counts from the first byte (not from what
 * came before, such as a store hashing a file), and the bar, which appears late, starts from what was
 * done before it appeared with the time that took: the throughput and the time left are the
 * transfer's own. The bar ends when the total is reached, so one phase's bar stops before the next's.
 */
final class Progress implements RemoteStore.TransferListener, PackProgress, AutoCloseable {
    private static final Duration SHOW_AFTER = Duration.ofSeconds(1);

    private final PrintWriter err;
    private final String label;
    private final Duration showAfter;
    private long startNanos = -1;
    private boolean finished;
    private ProgressBar bar;
    private Drawing drawing;

    /**
     * @param err where to draw, or null for no bar at all
     */
    Progress(PrintWriter err, String label, Duration showAfter) {
        this.err = err;
        this.label = label;
        this.showAfter = showAfter;
    }

    /** A bar labelled {@code label}, drawn only when stderr is a terminal. */
    static Progress of(CliContext ctx, String label) {
        return new Progress(ctx.interactive() ? ctx.err() : null, label, SHOW_AFTER);
    }

    /**
     * This bar as a pack's progress, or {@link PackProgress#NONE} when none can be drawn: then the packer
     * does not walk the whole tree first to measure the total (a tenth of a large pack's main thread).
     */
    PackProgress packing() {
        return err == null ? PackProgress.NONE : this;
    }

    @Override
    public void transferred(long bytesDone, long bytesTotal) {
        update(bytesDone, bytesTotal);
    }

    @Override
    public void packed(long contentBytesDone, long contentBytesTotal) {
        update(contentBytesDone, contentBytesTotal);
    }

    private void update(long done, long total) {
        if (err == null || finished) {
            return;
        }
        if (startNanos < 0) {
            startNanos = System.nanoTime();
        }
        if (bar == null) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
            if (elapsed.compareTo(showAfter) < 0 || (total >= 0 && done >= total)) {
                return;
            }
            drawing = new Drawing(err);
            bar = new ProgressBarBuilder()
                    .setTaskName(label)
                    .setInitialMax(total < 0 ? -1 : Math.max(total, 1))
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" MiB", 1 << 20)
                    .showSpeed()
                    .startsFrom(done, elapsed)
                    .setConsumer(drawing)
                    .build();
        }
        bar.stepTo(done);
        if (total >= 0 && done >= total) {
            close();
        }
    }

    @Override
    public void close() {
        finished = true;
        if (bar != null) {
            bar.close();
            // The library ends the line only when its timer had drawn once before: end it here in any case.
            drawing.close();
            bar = null;
        }
    }

    /**
     * The console consumer (as wide as the terminal, which the library asks), drawing on our stderr
     * writer. The library redraws from a timer thread, which may still be drawing when the bar is closed:
     * nothing is drawn after the line is ended, so no stray bar follows the command's summary.
     */
    private static final class Drawing extends ConsoleProgressBarConsumer {
        private final PrintWriter err;
        private boolean ended;

        Drawing(PrintWriter err) {
            super(System.err);
            this.err = err;
        }

        @Override
        public synchronized void accept(String rendered) {
            if (!ended) {
                err.print('\r' + rendered);
                err.flush();
            }
        }

        @Override
        public synchronized void close() {
            if (!ended) {
                ended = true;
                err.println();
                err.flush();
            }
        }
    }
}
