package dev.npcnix.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses {@code 90s}, {@code 30m}, {@code 2h}, {@code 1h30m}, {@code 1d} or ISO-8601 ({@code PT30M}). */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)([dhms])");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (v.startsWith("p")) {
            try {
                return Duration.parse(value.strip());
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 90s, 30m, 2h, 1h30m)");
            }
        }
        Matcher m = PART.matcher(v);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
            end = m.end();
        }
        if (v.isEmpty() || end != v.length()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 90s, 30m, 2h, 1h30m)");
        }
        return total;
    }

    /** Short human form: {@code 2h 5m}, {@code 48s} (core's, so logs and output agree). */
    static String format(Duration d) {
        return dev.npcnix.local.Durations.format(d);
    }
}
