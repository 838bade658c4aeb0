package dev.npcnix.follow;

import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthChecks;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.state.DataDir;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of a new system, in rounds: wait {@code settle}, run every check, and again every
 * {@code interval} until all pass in one round or the next round would start after the
 * {@code deadline} (counted from the call). Each round's results go to {@code state.json} as they come,
 * so {@code status} shows a trial's checks while it runs.
 */
final class CheckRounds {
    private static final Logger log = LoggerFactory.getLogger(CheckRounds.class);

    /** What the rounds decided, with the last round's results. */
    record Verdict(boolean passed, List<CheckResult> results) {
        List<String> failing() {
            return HealthChecks.failing(results);
        }

        /** The failed results in one line: {@code http http://…/health: HTTP 503; systemd: 1 failed unit: x.service}. */
        String summary() {
            return String.join("; ", results.stream().filter(r -> !r.passed()).map(r -> r.name() + ": " + r.detail()).toList());
        }
    }

    private final DataDir dataDir;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Consumer<Follower.Phase> enter;

    CheckRounds(DataDir dataDir, Clock clock, Sleeper sleeper, Consumer<Follower.Phase> enter) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.sleeper = sleeper;
        this.enter = enter;
    }

    /**
     * Runs the rounds.
     *
     * @throws InterruptedTrialException when the wait is interrupted (the process is being stopped)
     */
    Verdict run(HealthChecks checks, HealthSettings health, String what) {
        enter.accept(Follower.Phase.CHECKING);
        Instant deadline = clock.instant().plus(health.deadline());
        log.info("checking {}: settle {} s, deadline {} s", what, health.settle().toSeconds(), health.deadline().toSeconds());
        sleep(health.settle());
        int round = 0;
        while (true) {
            round++;
            List<CheckResult> results = checks.runAll(clock);
            dataDir.storeState(dataDir.loadState().withChecks(results));
            if (HealthChecks.allPassed(results)) {
                log.info("{}: all {} checks passed (round {})", what, results.size(), round);
                enter.accept(Follower.Phase.ACTIVATING);
                return new Verdict(true, results);
            }
            Verdict failed = new Verdict(false, results);
            if (clock.instant().plus(health.interval()).isAfter(deadline)) {
                log.warn("{}: checks still failing at the deadline (round {}): {}", what, round, failed.summary());
                enter.accept(Follower.Phase.ACTIVATING);
                return failed;
            }
            log.info("{}: round {}: {}; again in {} s", what, round, failed.summary(), health.interval().toSeconds());
            sleep(health.interval());
        }
    }

    private void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedTrialException("stopped during the checks", true, true, e);
        }
    }
}
