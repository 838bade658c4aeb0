package dev.npcnix.local;

import java.time.Duration;

/**
 * Durations for people, one way in every message, log line and command output: {@code 48s},
 * {@code 5m}, {@code 2h 5m}, {@code 3d 4h}.
 */
public final class Durations {
    private Durations() {
    }

    /** Short human form: {@code 2h 5m}, {@code 48s}; negative durations read as {@code 0s}. */
    public static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 2 * 3600) {
            return (s / 60) + "m";
        }
        if (s < 2 * 86400) {
            return (s / 3600) + "h " + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
    }
}
