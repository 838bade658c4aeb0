package dev.npcnix.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Sizes for people: {@code 812 bytes}, {@code 4.2 KiB}, {@code 48.0 MiB}; exact byte counts are in {@code --json}. */
final class Sizes {
    private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

    private Sizes() {
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + (bytes == 1 ? " byte" : " bytes");
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        // What String.format(Locale.ROOT, "%.1f %s", …) gives (half up on the shortest decimal form of the
        // double), without the formatter's locale data: ~20 ms of a short pull or pack (docs/performance.md).
        return new BigDecimal(Double.toString(value)).setScale(1, RoundingMode.HALF_UP).toPlainString() + " " + UNITS[unit];
    }
}
