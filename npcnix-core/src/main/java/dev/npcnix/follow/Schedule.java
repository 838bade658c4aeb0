package dev.npcnix.follow;

import dev.npcnix.state.Settings;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * When to poll next: pure functions of the settings, the time and a random generator.
 *
 * <p>The interval is the Rust npcnix's: {@code min_sleep_secs} right after a change, rising linearly to
 * {@code max_sleep_secs} over {@code max_sleep_after_hours}, times a random factor in [0.5, 1.5) so a
 * fleet does not poll in lockstep. After transient failures it backs off exponentially from the minimum,
 * never below the normal interval, capped at {@link #maxBackoff(Settings)}.
 */
public final class Schedule {
    private Schedule() {
    }

    /** The un-jittered interval {@code now} is in. */
    public static Duration baseInterval(Settings s, Instant now) {
        double sinceSecs = Math.max(1, Duration.between(s.lastReconfiguration(), now).toSeconds());
        double rampSecs = s.maxSleepAfterHours() * 3600.0;
        double ratio = rampSecs <= 0 ? 1.0 : Math.min(1.0, sinceSecs / rampSecs);
        double secs = s.minSleepSecs() + (s.maxSleepSecs() - s.minSleepSecs()) * ratio;
        return Duration.ofMillis(Math.round(secs * 1000));
    }

    /** The interval before the next poll after a poll that did not fail transiently. */
    public static Duration pollInterval(Settings s, Instant now, RandomGenerator random) {
        return jitter(baseInterval(s, now), random);
    }

    /** The longest wait after transient failures: ten minutes, or the max interval when longer. */
    public static Duration maxBackoff(Settings s) {
        return Duration.ofSeconds(Math.max(600, s.maxSleepSecs()));
    }

    /** The wait after {@code failures} consecutive transient failures (1 or more). */
    public static Duration backoff(Settings s, int failures, RandomGenerator random) {
        long cap = maxBackoff(s).toMillis();
        int exponent = Math.min(Math.max(failures - 1, 0), 30);
        double base = Math.min(cap, s.minSleepSecs() * 1000.0 * Math.pow(2, exponent));
        return jitter(Duration.ofMillis((long) base), random);
    }

    /** The wait before the next poll. */
    public static Duration next(Settings s, Instant now, int consecutiveTransientFailures, RandomGenerator random) {
        Duration interval = pollInterval(s, now, random);
        if (consecutiveTransientFailures <= 0) {
            return interval;
        }
        Duration b = backoff(s, consecutiveTransientFailures, random);
        return b.compareTo(interval) > 0 ? b : interval;
    }

    /**
     * The wait before the next poll when something is due at {@code wakeAt} (a rollout wave whose soak
     * ends): no later than that (plus a second, so the store's clock has passed it too), never sooner than
     * a second.
     */
    public static Duration next(Settings s, Instant now, int consecutiveTransientFailures, RandomGenerator random,
            java.util.Optional<Instant> wakeAt) {
        Duration wait = next(s, now, consecutiveTransientFailures, random);
        if (wakeAt.isEmpty() || consecutiveTransientFailures > 0) {
            return wait;
        }
        Duration until = Duration.between(now, wakeAt.get()).plusSeconds(1);
        if (until.compareTo(Duration.ofSeconds(1)) < 0) {
            until = Duration.ofSeconds(1);
        }
        return until.compareTo(wait) < 0 ? until : wait;
    }

    private static Duration jitter(Duration d, RandomGenerator random) {
        double factor = 0.5 + random.nextDouble();
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
