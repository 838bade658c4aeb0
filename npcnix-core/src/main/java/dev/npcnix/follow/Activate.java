package dev.npcnix.follow;

import dev.npcnix.NpcnixException;
import dev.npcnix.activate.ActivationException;
import dev.npcnix.activate.ActivationRequest;
import dev.npcnix.activate.Activator;
import dev.npcnix.activate.Operation;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 5, {@link Unpack.VerifiedFlake} → {@link Activation}: runs the activator ({@code nixos-rebuild})
 * on the verified flake with the extra substituters and keys of the settings and the command line. A
 * failure that follows a shutdown request is an interruption, not the release's fault: systemd's stop
 * reaches {@code nixos-rebuild}'s children too, and a rebuild that dies of it proves nothing.
 */
final class Activate implements Stage<Unpack.VerifiedFlake, Activate.Activation> {
    private static final Logger log = LoggerFactory.getLogger(Activate.class);

    /**
     * A release applied to the host. Safe activation (trial, checks, commit or rollback) will add what
     * the checks found here.
     *
     * @param took from the start of the poll to the end of the activation
     */
    record Activation(Unpack.VerifiedFlake flake, Duration took) implements Pipeline.ReleaseBound {
        @Override
        public Release release() {
            return flake.release();
        }
    }

    private final Activator activator;
    private final Clock clock;
    private final Operation operation;
    private final List<String> extraSubstituters;
    private final List<String> extraTrustedPublicKeys;
    private final boolean dryRun;
    private final BooleanSupplier stopRequested;

    Activate(Activator activator, Clock clock, FollowOptions options, BooleanSupplier stopRequested) {
        this.activator = activator;
        this.stopRequested = stopRequested;
        this.clock = clock;
        this.operation = options.operation();
        this.extraSubstituters = options.extraSubstituters();
        this.extraTrustedPublicKeys = options.extraTrustedPublicKeys();
        this.dryRun = options.dryRun();
    }

    @Override
    public Step<Activation> run(Unpack.VerifiedFlake flake, Poll poll) {
        log.info(dryRun ? "dry run: would activate release {} of {} as {}" : "activating release {} of {} as {}", flake.release().shortId(), poll.remote(), poll.configuration());
        try {
            activator.activate(new ActivationRequest(flake.dir(), poll.configuration(), operation,
                    ActivationRequest.union(poll.settings().extraSubstituters(), extraSubstituters),
                    ActivationRequest.union(poll.settings().extraTrustedPublicKeys(), extraTrustedPublicKeys)));
        } catch (NpcnixException e) {
            throw stopRequested.getAsBoolean() ? ActivationException.interruptedByShutdown(e) : e;
        }
        return Step.next(new Activation(flake, Duration.between(poll.started(), clock.instant())));
    }
}
