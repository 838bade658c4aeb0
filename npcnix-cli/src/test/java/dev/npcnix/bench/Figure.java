package dev.npcnix.bench;

import java.util.Locale;

/**
 * One measured figure: the value, the baseline measured in the same run (when there is one), their
 * ratio, the target and whether it was met. {@code pass} is null for figures reported without a target.
 */
record Figure(String name, double value, String unit, String baselineName, Double baseline, String target, Boolean pass) {

    static Figure compared(String name, double value, String unit, String baselineName, double baseline,
            double maxRatio) {
        double ratio = value / baseline;
        return new Figure(name, value, unit, baselineName, baseline, String.format(Locale.ROOT, "<= %.2fx", maxRatio),
                ratio <= maxRatio);
    }

    static Figure absolute(String name, double value, String unit, String target, boolean pass) {
        return new Figure(name, value, unit, null, null, target, pass);
    }

    static Figure info(String name, double value, String unit) {
        return new Figure(name, value, unit, null, null, "-", null);
    }

    static Figure infoVs(String name, double value, String unit, String baselineName, double baseline) {
        return new Figure(name, value, unit, baselineName, baseline, "-", null);
    }

    Double ratio() {
        return baseline == null || baseline == 0 ? null : value / baseline;
    }

    String verdict() {
        return pass == null ? "info" : pass ? "PASS" : "MISS";
    }

    /** One table row: | figure | value | baseline | ratio | target | verdict |; a | in a cell is escaped. */
    String row() {
        Double r = ratio();
        return String.format(Locale.ROOT, "| %-44s | %14s | %-26s | %7s | %-14s | %-4s |", cell(name), number(value) + " " + unit,
                cell(baseline == null ? "-" : baselineName + " " + number(baseline) + " " + unit),
                r == null ? "-" : number(r) + "x", cell(target), verdict());
    }

    /** Markdown: a pipe inside a cell (tar|zstd) would split it. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    static String header() {
        return String.format(Locale.ROOT, "| %-44s | %14s | %-26s | %7s | %-14s | %-4s |%n|%s|%s|%s|%s|%s|%s|",
                "figure", "value", "baseline (same run)", "ratio", "target", "",
                "-".repeat(46), "-".repeat(16), "-".repeat(28), "-".repeat(9), "-".repeat(16), "-".repeat(6));
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (Math.abs(v) >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
