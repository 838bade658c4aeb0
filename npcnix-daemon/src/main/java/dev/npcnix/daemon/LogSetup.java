package dev.npcnix.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Logging to stderr. Under systemd ({@code JOURNAL_STREAM} or {@code INVOCATION_ID} set) lines carry
 * no timestamp (journald adds one) and start with the syslog priority ({@code <3>} for errors), which
 * journald turns into the entry's priority, so {@code journalctl -u npcnix -p warning} works. The lines
 * are made by {@link LogLineLayout}, not Logback's PatternLayout (some 220 classes fewer).
 */
public final class LogSetup {
    private LogSetup() {
    }

    /** Whether the process runs under systemd with its output going to the journal. */
    public static boolean underSystemd(Map<String, String> env) {
        return env.containsKey("JOURNAL_STREAM") || env.containsKey("INVOCATION_ID");
    }

    /**
     * Configures the root logger.
     *
     * @param level the level for npcnix's own loggers (INFO for the daemon, WARN for quick commands, DEBUG with --verbose)
     */
    public static void configure(Map<String, String> env, Level level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return; // another SLF4J binding (a library user's choice): leave it alone
        }
        ctx.reset();
        install(ctx, env, level);
    }

    /** Adds the stderr appender to the (fresh or reset) context and sets the levels, as {@link #configure} says. */
    static void install(LoggerContext ctx, Map<String, String> env, Level level) {
        LogLineLayout layout = new LogLineLayout(underSystemd(env));
        layout.setContext(ctx);
        layout.start();
        // No charset: the platform's, as PatternLayoutEncoder's default was.
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(ctx);
        appender.setName("stderr");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        // Libraries (AWS SDK, HTTP clients) stay at WARN even with --verbose: their debug output is
        // noise for operators and may carry request details that do not belong in a journal.
        root.setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
        ctx.getLogger("dev.npcnix").setLevel(level);
        ctx.getLogger("nixos-rebuild").setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.INFO : level);
    }
}
