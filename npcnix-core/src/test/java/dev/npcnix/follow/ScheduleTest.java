package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ConfigurationName;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    private static final Instant CHANGED = Instant.parse("2026-03-01T00:00:00Z");
    private final Settings settings = Settings.empty().withLastReconfiguration(CHANGED, new Etag("e"), ConfigurationName.of("web"));

    @Test
    void intervalRisesFromMinToMaxOverTheRamp() {
        assertThat(Schedule.baseInterval(settings, CHANGED)).isEqualTo(Duration.ofMillis(5_001)); // 1 s floor, as in the original
        assertThat(Schedule.baseInterval(settings, CHANGED.plus(Duration.ofHours(12)))).isEqualTo(Duration.ofMillis(62_500));
        assertThat(Schedule.baseInterval(settings, CHANGED.plus(Duration.ofHours(24)))).isEqualTo(Duration.ofSeconds(120));
        assertThat(Schedule.baseInterval(settings, CHANGED.plus(Duration.ofDays(30)))).isEqualTo(Duration.ofSeconds(120));
        // a clock behind the last change (skew) is treated as right after it
        assertThat(Schedule.baseInterval(settings, CHANGED.minus(Duration.ofHours(1)))).isEqualTo(Duration.ofMillis(5_001));
    }

    @Test
    void customSettingsAreHonoured() {
        Settings s = settings.withSleep(30, 600, 2);
        assertThat(Schedule.baseInterval(s, CHANGED.plus(Duration.ofHours(1)))).isEqualTo(Duration.ofSeconds(315));
        assertThat(Schedule.baseInterval(settings.withSleep(10, 10, 0), CHANGED)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void jitterStaysWithinHalfAndOneAndAHalfAndSpreads() {
        RandomGenerator random = new SplittableRandom(42);
        Instant now = CHANGED.plus(Duration.ofDays(2));
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 10_000; i++) {
            long ms = Schedule.pollInterval(settings, now, random).toMillis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertThat(min).isBetween(60_000L, 61_000L);
        assertThat(max).isBetween(179_000L, 180_000L);
    }

    @Test
    void backoffDoublesFromTheMinimumAndIsCapped() {
        RandomGenerator noJitter = new FixedRandom(0.5); // factor exactly 1.0
        assertThat(Schedule.backoff(settings, 1, noJitter)).isEqualTo(Duration.ofSeconds(5));
        assertThat(Schedule.backoff(settings, 2, noJitter)).isEqualTo(Duration.ofSeconds(10));
        assertThat(Schedule.backoff(settings, 5, noJitter)).isEqualTo(Duration.ofSeconds(80));
        assertThat(Schedule.backoff(settings, 8, noJitter)).isEqualTo(Duration.ofSeconds(600));
        assertThat(Schedule.backoff(settings, 1_000, noJitter)).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void nextNeverWaitsLessThanTheNormalIntervalAfterFailures() {
        RandomGenerator noJitter = new FixedRandom(0.5);
        Instant quiet = CHANGED.plus(Duration.ofDays(2));
        assertThat(Schedule.next(settings, quiet, 0, noJitter)).isEqualTo(Duration.ofSeconds(120));
        assertThat(Schedule.next(settings, quiet, 1, noJitter)).isEqualTo(Duration.ofSeconds(120));
        assertThat(Schedule.next(settings, quiet, 7, noJitter)).isEqualTo(Duration.ofSeconds(320));
    }

    /** A generator whose nextDouble is fixed, so a test can remove the jitter. */
    static final class FixedRandom implements RandomGenerator {
        private final double value;

        FixedRandom(double value) {
            this.value = value;
        }

        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public double nextDouble() {
            return value;
        }
    }
}
