package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import dev.npcnix.local.Durations;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First boot: the host settings are already written; apply the initial configuration (when given and
 * the target was never applied), then the target, each with the ordinary poll step. A fresh fleet may
 * boot before CI has published: transient failures (remote not found yet, store unreachable) are
 * retried with backoff until the timeout. Re-running after success changes nothing.
 */
public final class Bootstrap {
    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

    private final DataDir dataDir;
    private final Follower follower;
    private final Clock clock;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final Consumer<String> progress;

    public Bootstrap(DataDir dataDir, Follower follower, Clock clock, Sleeper sleeper, RandomGenerator random,
            Consumer<String> progress) {
        this.dataDir = dataDir;
        this.follower = follower;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
        this.progress = progress;
    }

    /**
     * Applies {@code initial} (if given) then the configured target.
     *
     * @return the outcome for the target configuration (Activated, or Unchanged when already applied)
     * @throws NpcnixException the last failure when the timeout passes, or a deterministic failure at once
     */
    public PollOutcome run(Optional<ConfigurationName> initial, Duration timeout) throws InterruptedException {
        Settings settings = dataDir.loadSettings();
        ConfigurationName target = settings.configuration()
                .orElseThrow(() -> new StateException("bootstrap: no configuration set"));
        Instant deadline = clock.instant().plus(timeout);
        List<ConfigurationName> steps = new ArrayList<>();
        boolean targetApplied = settings.lastApplied(target) && settings.lastEtag().isPresent();
        if (initial.isPresent() && !initial.get().equals(target) && !targetApplied) {
            steps.add(initial.get());
        }
        steps.add(target);
        PollOutcome last = null;
        for (ConfigurationName step : steps) {
            last = untilApplied(step, deadline);
        }
        return last;
    }

    private PollOutcome untilApplied(ConfigurationName configuration, Instant deadline) throws InterruptedException {
        int failures = 0;
        Duration lastWait = Duration.ZERO;
        while (true) {
            PollOutcome outcome = follower.pollOnce(Optional.of(configuration));
            if (outcome instanceof PollOutcome.Activated || outcome instanceof PollOutcome.Unchanged) {
                progress.accept(outcome instanceof PollOutcome.Activated
                        ? "bootstrap: activated " + configuration
                        : "bootstrap: " + configuration + " already applied");
                return outcome;
            }
            if (outcome instanceof PollOutcome.Waiting w) {
                // a staged rollout holds the release: the daemon applies it when this host's wave opens
                progress.accept("bootstrap: " + configuration + ": release " + w.release().shortId() + " " + w.describe()
                        + "; npcnix follow applies it when the wave opens");
                return outcome;
            }
            if (outcome instanceof PollOutcome.Paused paused) {
                throw new StateException("bootstrap: host is " + paused.pause() + " (run npcnix unpause)");
            }
            if (outcome instanceof PollOutcome.Quarantined q) {
                throw new StateException("bootstrap: release " + q.etag() + " failed before and is quarantined: " + q.reason()
                        + " (publish a fix, or run npcnix retry)");
            }
            PollOutcome.Failed failed = (PollOutcome.Failed) outcome;
            if (!failed.isTransient()) {
                throw failed.error();
            }
            failures++;
            Instant now = clock.instant();
            if (!now.isBefore(deadline)) {
                log.warn("bootstrap: giving up after {} tries: {}", failures, failed.summary());
                throw failed.error();
            }
            // Never shorter than the wait before: the operator reading the log sees it grow, up to the cap.
            Duration wait = Schedule.backoff(dataDir.loadSettings(), failures, random);
            if (wait.compareTo(lastWait) < 0) {
                wait = lastWait;
            }
            Duration left = Duration.between(now, deadline);
            if (wait.compareTo(left) > 0) {
                wait = left; // the last try comes at the deadline
            }
            lastWait = wait;
            // The normal first boot of a fleet that booted before CI published: a warning, said once per wait.
            log.warn("bootstrap: waiting for {}: {}; trying again in {} (gives up in {})", configuration, failed.summary(),
                    Durations.format(wait), Durations.format(left));
            sleeper.sleep(wait);
        }
    }
}
