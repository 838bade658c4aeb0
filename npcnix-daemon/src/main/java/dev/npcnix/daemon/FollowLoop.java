package dev.npcnix.daemon;

import dev.npcnix.NpcnixException;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Schedule;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.local.Durations;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: poll, apply the exit policy, sleep, repeat. No logic beyond that: what a poll does is
 * {@link Follower}'s, how long to sleep is {@link Schedule}'s. A failed poll is logged once, with when
 * the next one comes, and the loop goes on (with backoff when the failure is transient). A host that
 * cannot be followed at all (not bootstrapped, unreadable files: a {@link dev.npcnix.StateException})
 * ends the loop at once, in every mode: waiting would not fix it, and under systemd the unit's restart
 * says so every few seconds instead of a daemon that hangs.
 */
public final class FollowLoop {
    private static final Logger log = LoggerFactory.getLogger(FollowLoop.class);

    private final Follower follower;
    private final DataDir dataDir;
    private final Clock clock;
    private final RandomGenerator random;
    private final Sleeper sleeper;
    private final BooleanSupplier stopRequested;
    private final ExitPolicy exitPolicy;
    private final List<Consumer<PollOutcome>> observers = new ArrayList<>();
    private Optional<Duration> timeout = Optional.empty();

    public FollowLoop(Follower follower, DataDir dataDir, Clock clock, RandomGenerator random, Sleeper sleeper,
            BooleanSupplier stopRequested, ExitPolicy exitPolicy) {
        this.follower = follower;
        this.dataDir = dataDir;
        this.clock = clock;
        this.random = random;
        this.sleeper = sleeper;
        this.stopRequested = stopRequested;
        this.exitPolicy = exitPolicy;
    }

    /**
     * Adds an observer of every outcome, called in the order added after each poll (reports, metrics, hooks,
     * tests). An observer that throws is logged; the loop and the other observers go on.
     */
    public FollowLoop observe(Consumer<PollOutcome> observer) {
        observers.add(observer);
        return this;
    }

    /**
     * Gives up when the exit policy has not ended the loop within {@code limit} ({@code follow
     * --once=activate --timeout}): the last poll comes at the limit, then {@link #run()} throws
     * {@link GaveUp}.
     */
    public FollowLoop timeout(Optional<Duration> limit) {
        this.timeout = limit;
        return this;
    }

    /**
     * Runs until the exit policy or a shutdown ends it.
     *
     * @return the process exit code
     * @throws dev.npcnix.StateException the host cannot be followed (not bootstrapped, unreadable files)
     * @throws GaveUp the timeout passed first
     */
    public int run() throws InterruptedException {
        Optional<Instant> deadline = timeout.map(clock.instant()::plus);
        int transientFailures = 0;
        while (!stopRequested.getAsBoolean()) {
            PollOutcome outcome = follower.pollOnce();
            for (Consumer<PollOutcome> observer : observers) {
                try {
                    observer.accept(outcome);
                } catch (RuntimeException e) {
                    log.warn("after the poll: {}", e.toString());
                }
            }
            Optional<Integer> exit = exitPolicy.exitCodeAfter(outcome);
            if (exit.isPresent()) {
                return exit.get();
            }
            transientFailures = outcome instanceof PollOutcome.Failed f && f.isTransient() ? transientFailures + 1 : 0;
            if (stopRequested.getAsBoolean()) {
                if (outcome instanceof PollOutcome.Failed) {
                    log.warn("poll failed: {}", outcome.summary()); // an activation the stop interrupted, said before stopping
                }
                break;
            }
            Instant now = clock.instant();
            if (deadline.isPresent() && !now.isBefore(deadline.get())) {
                throw new GaveUp(timeout.get(), outcome);
            }
            Settings settings = dataDir.loadSettings();
            Duration wait = Schedule.next(settings, now, transientFailures, random,
                    outcome instanceof PollOutcome.Waiting w ? w.opensAt() : Optional.empty());
            if (deadline.isPresent() && now.plus(wait).isAfter(deadline.get())) {
                wait = Duration.between(now, deadline.get()); // one last poll at the limit
            }
            if (outcome instanceof PollOutcome.Failed) {
                log.error("poll failed: {}; next try in {} (at {})", outcome.summary(), Durations.format(wait),
                        now.plus(wait).truncatedTo(ChronoUnit.SECONDS));
            } else {
                log.debug("next poll in {}", Durations.format(wait));
            }
            sleeper.sleep(wait);
        }
        log.info("stopping");
        return 0;
    }

    /** The timeout passed without the exit policy ending the loop; names what the last poll found. */
    public static final class GaveUp extends NpcnixException {
        private static final long serialVersionUID = 1L;

        GaveUp(Duration timeout, PollOutcome last) {
            super("follow: gave up after " + Durations.format(timeout) + " without an activation (last poll: "
                    + last.summary() + ")", last instanceof PollOutcome.Failed f ? f.error() : null);
        }

        @Override
        public boolean isTransient() {
            return true;
        }
    }
}
