package dev.npcnix.daemon;

import dev.npcnix.StateException;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Schedule;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import java.time.Clock;
import java.time.Duration;
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
 * {@link Follower}'s, how long to sleep is {@link Schedule}'s. A failed poll is logged and the loop
 * goes on (with backoff when the failure is transient).
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
     * Runs until the exit policy or a shutdown ends it.
     *
     * @return the process exit code
     */
    public int run() throws InterruptedException {
        int transientFailures = 0;
        while (!stopRequested.getAsBoolean()) {
            PollOutcome outcome;
            try {
                outcome = follower.pollOnce();
            } catch (StateException e) {
                if (exitPolicy == ExitPolicy.ANY) {
                    throw e;
                }
                // A daemon waits out a host that is not bootstrapped yet or a lock held by a long
                // manual activation: both resolve without restarting it.
                log.error("{}", e.getMessage());
                outcome = new PollOutcome.Failed(Optional.empty(), new TransientState(e));
            }
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
                break;
            }
            Settings settings = dataDir.loadSettings();
            Duration wait = Schedule.next(settings, clock.instant(), transientFailures, random,
                    outcome instanceof PollOutcome.Waiting w ? w.opensAt() : Optional.empty());
            log.debug("next poll in {} s", wait.toSeconds());
            sleeper.sleep(wait);
        }
        log.info("stopping");
        return 0;
    }

    /** A state problem seen by the daemon: waited out like a store outage. */
    static final class TransientState extends dev.npcnix.NpcnixException {
        private static final long serialVersionUID = 1L;

        TransientState(StateException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public boolean isTransient() {
            return true;
        }
    }
}
