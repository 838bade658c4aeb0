package dev.npcnix.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;
import java.nio.file.Path;

/**
 * Keeps a copy of every log event of a test JVM in one file, {@code target/test-logs/<name>.log} of the
 * module (or the file in system property {@value #FILE_PROPERTY}), so that the suite's logs can be
 * searched afterwards (for credentials, by {@code .ci/run}). npcnix's {@code LogSetup} resets logback when
 * a command starts; this listener survives resets and attaches the file again after each one, so
 * nothing a command logs escapes it. Installed by {@code logback-test.xml}.
 */
public final class LogCapture extends ContextAwareBase implements LoggerContextListener, LifeCycle {
    /** System property naming the file to append to. */
    public static final String FILE_PROPERTY = "npcnix.test.log";
    /** Where the logs of a test JVM go unless {@value #FILE_PROPERTY} says otherwise. */
    public static final Path DEFAULT_FILE = Path.of("target", "test-logs", "events.log");

    private boolean started;

    /** The file this JVM's events are appended to. */
    public static Path file() {
        String configured = System.getProperty(FILE_PROPERTY);
        return configured == null || configured.isBlank() ? DEFAULT_FILE.toAbsolutePath() : Path.of(configured).toAbsolutePath();
    }

    /** The size of this JVM's captured log now: pass it to {@link #since(long)}. */
    public static long mark() {
        try {
            Path f = file();
            return java.nio.file.Files.exists(f) ? java.nio.file.Files.size(f) : 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What this JVM logged since {@code mark}, one event a line as {@code HH:mm:ss.SSS LEVEL [thread] logger - message}
     * (so a test can check the level a message was logged at).
     */
    public static String since(long mark) {
        Path f = file();
        try {
            if (!java.nio.file.Files.exists(f)) {
                return "";
            }
            byte[] all = java.nio.file.Files.readAllBytes(f);
            int from = (int) Math.min(mark, all.length);
            return new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void start() {
        attach((LoggerContext) getContext());
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isStarted() {
        return started;
    }

    @Override
    public boolean isResetResistant() {
        return true;
    }

    @Override
    public void onStart(LoggerContext context) {
        // start() already attached the file
    }

    @Override
    public void onReset(LoggerContext context) {
        attach(context);
    }

    @Override
    public void onStop(LoggerContext context) {
        // the appender stops with the context
    }

    @Override
    public void onLevelChange(Logger logger, ch.qos.logback.classic.Level level) {
        // levels are whatever the code under test sets
    }

    private static void attach(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n%ex");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("test-log-capture");
        appender.setFile(file().toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }
}
