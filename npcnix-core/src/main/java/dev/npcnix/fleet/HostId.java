package dev.npcnix.fleet;

import dev.npcnix.InvalidInputException;
import java.util.regex.Pattern;

/**
 * How a host is named in the fleet view: the file name of its report ({@code <remote>.hosts/<id>.json}),
 * so one S3 key segment: letters, digits, {@code .}, {@code _} and {@code -}, starting with a letter or
 * digit, at most 128 characters. EC2 instance ids ({@code i-0abc…}) and host names fit.
 */
public record HostId(String value) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public HostId {
        if (value == null || !SEGMENT.matcher(value).matches() || value.endsWith(".")) {
            throw new InvalidInputException("host id '" + value + "': not usable as a report name (letters, digits, "
                    + "'.', '_' and '-', starting with a letter or digit, at most 128; give one with --host-id)");
        }
    }

    /** Whether {@code text} is a valid host id. */
    public static boolean isValid(String text) {
        return text != null && SEGMENT.matcher(text).matches() && !text.endsWith(".");
    }

    @Override
    public String toString() {
        return value;
    }
}
