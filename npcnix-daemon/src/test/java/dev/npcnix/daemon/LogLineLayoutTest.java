package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;

/** LogLineLayout writes what Logback's PatternLayout wrote with npcnix's former patterns, byte for byte. */
class LogLineLayoutTest {
    private static final String ZONE = "Europe/Berlin";
    private final LoggerContext ctx = new LoggerContext();

    /** The converter npcnix registered for {@code %syslogprio} before LogLineLayout. */
    public static final class FormerSyslogPriority extends ClassicConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return switch (event.getLevel().toInt()) {
                case Level.ERROR_INT -> "<3>";
                case Level.WARN_INT -> "<4>";
                case Level.INFO_INT -> "<6>";
                default -> "<7>";
            };
        }
    }

    private PatternLayout patternLayout(String pattern) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        layout.getInstanceConverterMap().put("syslogprio", FormerSyslogPriority::new);
        layout.setPattern(pattern);
        layout.start();
        return layout;
    }

    private LogLineLayout lineLayout(boolean systemd) {
        LogLineLayout layout = new LogLineLayout(systemd, TimeZone.getTimeZone(ZONE));
        layout.setContext(ctx);
        layout.start();
        return layout;
    }

    private ILoggingEvent event(String loggerName, Level level, String message, Throwable thrown, Instant at, Object... args) {
        Logger logger = ctx.getLogger(loggerName);
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, message, thrown, args);
        event.setTimeStamp(at.toEpochMilli());
        return event;
    }

    private static Throwable nested() {
        IOException io = new IOException("disk full");
        io.addSuppressed(new IllegalStateException("close failed"));
        try {
            throw new UncheckedIOException("cannot write the state", io);
        } catch (UncheckedIOException e) {
            return new RuntimeException("activation failed", e);
        }
    }

    private List<ILoggingEvent> events() {
        List<ILoggingEvent> events = new ArrayList<>();
        Instant winter = Instant.parse("2024-01-15T23:59:59.007Z"); // 00:59:59.007 in Berlin, the next day
        Instant summer = Instant.parse("2024-07-01T09:05:03.450Z"); // 11:05:03.450, daylight saving time
        Instant epoch = Instant.EPOCH;
        events.add(event("dev.npcnix.follow.Follower", Level.ERROR, "poll failed: {}", null, winter, "timeout"));
        events.add(event("dev.npcnix.follow.Follower", Level.WARN, "slow", null, summer));
        events.add(event("dev.npcnix.daemon.FollowLoop", Level.INFO, "activated", null, epoch));
        events.add(event("nixos-rebuild", Level.DEBUG, "building the system configuration...", null, summer));
        events.add(event("Root", Level.TRACE, "tick", null, summer));
        events.add(event("software.amazon.awssdk.Noise", Level.WARN, null, null, summer));
        events.add(event("dev.npcnix.daemon.FollowLoop", Level.ERROR, "gave up", nested(), winter));
        events.add(event("dev.npcnix.daemon.FollowLoop", Level.WARN, "retrying {}", new IllegalArgumentException(), summer, 3));
        events.add(event("dev.npcnix.x", Level.INFO, "ünïcödé ✓ and a\nsecond line", null, summer));
        return events;
    }

    @Test
    void terminalLinesAreWhatPatternLayoutWrote() {
        PatternLayout former = patternLayout("%d{HH:mm:ss.SSS, " + ZONE + "} %-5level %logger{0}: %msg%n");
        LogLineLayout now = lineLayout(false);
        for (ILoggingEvent e : events()) {
            assertThat(now.doLayout(e)).isEqualTo(former.doLayout(e));
        }
    }

    @Test
    void journalLinesAreWhatPatternLayoutWrote() {
        PatternLayout former = patternLayout("%syslogprio%-5level %logger{0}: %msg%n");
        LogLineLayout now = lineLayout(true);
        for (ILoggingEvent e : events()) {
            assertThat(now.doLayout(e)).isEqualTo(former.doLayout(e));
        }
    }

    @Test
    void timesAreLocal() {
        LogLineLayout now = lineLayout(false);
        Instant winter = Instant.parse("2024-01-15T23:59:59.007Z");
        Instant summer = Instant.parse("2024-07-01T09:05:03.450Z");
        assertThat(now.doLayout(event("a.B", Level.INFO, "m", null, winter))).startsWith("00:59:59.007 INFO  B: m");
        assertThat(now.doLayout(event("a.B", Level.INFO, "m", null, summer))).startsWith("11:05:03.450 INFO  B: m");
        Instant beforeEpoch = Instant.parse("1969-12-31T22:30:00.001Z");
        assertThat(now.doLayout(event("a.B", Level.INFO, "m", null, beforeEpoch))).startsWith("23:30:00.001 ");
    }
}
