package dev.npcnix.cli;

import dev.npcnix.store.RemoteStore;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for transfers that take over a second, only when stderr is a terminal
 * (nothing in CI logs or pipes). Uses the progressbar library; nothing hand-drawn.
 */
final class Progress implements RemoteStore.TransferListener, AutoCloseable {
    private static final long SHOW_AFTER_NANOS = 1_000_000_000L;

    private final boolean enabled;
    private final String label;
    private final long startNanos = System.nanoTime();
    private ProgressBar bar;

    private Progress(boolean enabled, String label) {
        this.enabled = enabled;
        this.label = label;
    }

    static Progress forUpload(CliContext ctx, String label) {
        return new Progress(ctx.interactive(), label);
    }

    @Override
    public void transferred(long bytesDone, long bytesTotal) {
        if (!enabled) {
            return;
        }
        if (bar == null) {
            if (System.nanoTime() - startNanos < SHOW_AFTER_NANOS || bytesDone >= bytesTotal) {
                return;
            }
            bar = new ProgressBarBuilder()
                    .setTaskName(label)
                    .setInitialMax(Math.max(bytesTotal, 1))
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" MiB", 1 << 20)
                    .showSpeed()
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .build();
        }
        bar.stepTo(bytesDone);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
