package dev.npcnix.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.util.TimeZone;

/**
 * npcnix's log line, written out by hand: the same text as Logback's {@code PatternLayout} with
 * {@code %syslogprio%-5level %logger{0}: %msg%n} (under systemd) or
 * {@code %d{HH:mm:ss.SSS} %-5level %logger{0}: %msg%n} (elsewhere, local time), followed like there by
 * the stack trace of the event's throwable. PatternLayout's converter registry, pattern parser and
 * converters are some 150 classes and 70 lambda classes, each a few KB of metaspace in a daemon that
 * stays resident; this is one class. No lambdas or {@code String.format} here: each would add classes.
 */
public final class LogLineLayout extends LayoutBase<ILoggingEvent> {
    private static final long MILLIS_PER_DAY = 24L * 60 * 60 * 1000;

    private final boolean systemd;
    /** The zone of the timestamps, fixed when the layout is made (as {@code %d} fixes it when started). */
    private final TimeZone zone;

    /**
     * @param systemd whether lines start with the syslog priority instead of the time (see
     *                {@link LogSetup#underSystemd})
     */
    public LogLineLayout(boolean systemd) {
        this(systemd, TimeZone.getDefault());
    }

    LogLineLayout(boolean systemd, TimeZone zone) {
        this.systemd = systemd;
        this.zone = zone;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        Level level = event.getLevel();
        if (systemd) {
            sb.append(syslogPriority(level));
        } else {
            appendTime(sb, event.getTimeStamp());
            sb.append(' ');
        }
        String levelName = level.toString();
        sb.append(levelName);
        for (int i = levelName.length(); i < 5; i++) {
            sb.append(' ');
        }
        sb.append(' ');
        String logger = event.getLoggerName();
        sb.append(logger, logger.lastIndexOf('.') + 1, logger.length());
        sb.append(": ").append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            sb.append(ThrowableProxyUtil.asString(thrown)); // each line ends with a line separator
        }
        return sb.toString();
    }

    /** {@code <N>} for the level, as sd-daemon(3) defines. */
    static String syslogPriority(Level level) {
        switch (level.toInt()) {
            case Level.ERROR_INT:
                return "<3>";
            case Level.WARN_INT:
                return "<4>";
            case Level.INFO_INT:
                return "<6>";
            default:
                return "<7>";
        }
    }

    /** {@code HH:mm:ss.SSS} of the instant in this layout's zone (its offset at that instant). */
    private void appendTime(StringBuilder sb, long epochMillis) {
        long ofDay = Math.floorMod(epochMillis + zone.getOffset(epochMillis), MILLIS_PER_DAY);
        int millis = (int) (ofDay % 1000);
        int seconds = (int) (ofDay / 1000);
        appendTwoDigits(sb, seconds / 3600);
        sb.append(':');
        appendTwoDigits(sb, seconds / 60 % 60);
        sb.append(':');
        appendTwoDigits(sb, seconds % 60);
        sb.append('.');
        sb.append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10));
    }

    private static void appendTwoDigits(StringBuilder sb, int value) {
        sb.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
    }
}
