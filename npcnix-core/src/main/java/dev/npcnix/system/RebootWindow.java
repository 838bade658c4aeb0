package dev.npcnix.system;

import dev.npcnix.InvalidInputException;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * The hours a reboot may happen in, local time: {@code 02:00-04:00}; one that wraps midnight
 * ({@code 22:00-04:00}) is open from the first time to the second the next day. Start inclusive, end
 * exclusive; equal times mean always open.
 */
public record RebootWindow(LocalTime from, LocalTime to) {

    public static RebootWindow parse(String text) {
        String[] parts = text.strip().split("-", -1);
        if (parts.length != 2) {
            throw new InvalidInputException("reboot window '" + text + "': expected HH:MM-HH:MM, e.g. 02:00-04:00");
        }
        try {
            return new RebootWindow(LocalTime.parse(parts[0].strip()), LocalTime.parse(parts[1].strip()));
        } catch (DateTimeParseException e) {
            throw new InvalidInputException("reboot window '" + text + "': expected HH:MM-HH:MM, e.g. 02:00-04:00");
        }
    }

    /** Whether the window is open at {@code now} (in the zone it carries). */
    public boolean isOpen(ZonedDateTime now) {
        LocalTime t = now.toLocalTime();
        if (from.equals(to)) {
            return true;
        }
        if (from.isBefore(to)) {
            return !t.isBefore(from) && t.isBefore(to);
        }
        return !t.isBefore(from) || t.isBefore(to);
    }

    /** The next time it opens at or after {@code now}. */
    public ZonedDateTime nextOpening(ZonedDateTime now) {
        if (isOpen(now)) {
            return now;
        }
        ZonedDateTime today = now.with(from).withSecond(0).withNano(0);
        return today.isAfter(now) ? today : today.plusDays(1);
    }

    @Override
    public String toString() {
        return String.format("%02d:%02d-%02d:%02d", from.getHour(), from.getMinute(), to.getHour(), to.getMinute());
    }
}
