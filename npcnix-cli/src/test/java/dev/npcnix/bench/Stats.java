package dev.npcnix.bench;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles of repeated measurements: the figures compare medians, never single runs. */
final class Stats {
    private Stats() {
    }

    static double median(List<? extends Number> values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile ({@code p} in 0..100) of {@code values} (not empty). */
    static double percentile(List<? extends Number> values, double p) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        return percentileOfSorted(sorted, p);
    }

    static double percentileOfSorted(double[] sorted, double p) {
        if (p >= 100) {
            return sorted[sorted.length - 1];
        }
        if (p == 50 && sorted.length % 2 == 0) {
            return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double[] sorted(long[] values) {
        double[] d = Arrays.stream(values).asDoubleStream().toArray();
        Arrays.sort(d);
        return d;
    }
}
