package dev.npcnix.daemon;

import dev.npcnix.follow.Follower;
import dev.npcnix.follow.Sleeper;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGTERM/SIGINT do: while sleeping the loop ends at once (exit 0); while fetching or unpacking
 * the process exits at once (nothing was applied, {@code tmp/} is cleaned on the next start); while a
 * trial's checks run, too (the pending record lets the next start finish them, and a reboot boots the
 * boot default, which a trial never touches); while activating or recording, the running
 * {@code nixos-rebuild} (or commit, or rollback) finishes and its result is recorded first. A second
 * signal exits immediately whatever is running.
 */
public final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    private final CountDownLatch requested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    private final Supplier<Follower.Phase> phase;
    private final IntConsumer exitNow;
    private volatile Runnable onRequest = () -> { };

    /**
     * @param phase where the poll step is
     * @param exitNow ends the process with a status (the composition root passes {@code System::exit})
     */
    public Shutdown(Supplier<Follower.Phase> phase, IntConsumer exitNow) {
        this.phase = phase;
        this.exitNow = exitNow;
    }

    /**
     * Runs {@code action} on the signal handler's thread when the first signal arrives, before the
     * process may exit: the follower records the stop ({@code Follower.stopRequestedNow}), so an unfinished
     * trial is not held against its release at the next start.
     */
    public void onRequest(Runnable action) {
        this.onRequest = action;
    }

    /** Called from the signal handler thread. */
    public void signal(String name) {
        if (signals.incrementAndGet() > 1) {
            log.warn("second SIG{}: exiting now", name);
            exitNow.accept(128 + 15);
            return;
        }
        // said before the loop is woken: a loop that wakes first may exit the process before this thread logs
        Follower.Phase now = phase.get();
        switch (now) {
            case ACTIVATING, RECORDING -> log.info("SIG{}: exiting once the running activation finishes (send again to exit now)", name);
            case FETCHING, UNPACKING, GATING -> log.info("SIG{}: exiting now; nothing was applied", name);
            case CHECKING -> log.info("SIG{}: exiting now, during a trial's checks; the next start finishes them (the boot default is"
                    + " untouched)", name);
            case IDLE -> log.info("SIG{}: exiting", name);
        }
        requested.countDown(); // first: the poll thread asks isRequested() as soon as the rebuild it runs dies
        try {
            onRequest.run();
        } catch (RuntimeException e) {
            log.warn("cannot record the stop request: {}", e.getMessage());
        }
        if (now == Follower.Phase.FETCHING || now == Follower.Phase.UNPACKING || now == Follower.Phase.GATING
                || now == Follower.Phase.CHECKING) {
            exitNow.accept(0);
        }
    }

    /**
     * Hears the poll step's phase changes ({@code Follower.onPhase}): a stop asked during an activation
     * that goes on into a trial's checks exits there, instead of waiting for the checks' deadline.
     */
    public void entered(Follower.Phase next) {
        if (next == Follower.Phase.CHECKING && isRequested() && signals.get() == 1) {
            log.info("exiting now that the activation finished, before the trial's checks; the next start finishes them");
            exitNow.accept(0);
        }
    }

    public boolean isRequested() {
        return requested.getCount() == 0;
    }

    /** A sleeper that wakes early when a shutdown is requested. */
    public Sleeper sleeper() {
        return d -> requested.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }
}
