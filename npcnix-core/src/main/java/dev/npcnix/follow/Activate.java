package dev.npcnix.follow;

import dev.npcnix.NpcnixException;
import dev.npcnix.activate.ActivationException;
import dev.npcnix.activate.ActivationRequest;
import dev.npcnix.activate.Activator;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.CheckResult;
import dev.npcnix.state.HostState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
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
     * A release applied to the host (with checks: tried, passed, committed).
     *
     * @param sequence its signed sequence number, if any
     * @param took from the start of the poll to the end of the activation
     * @param checks what the checks found; empty without checks
     * @param keep the pending record to keep (a reboot due); null when nothing is pending
     * @param reboot what is left to do with the host's boot
     */
    record Activation(Release release, OptionalLong sequence, Duration took, List<CheckResult> checks,
            HostState.Pending keep, PollOutcome.Reboot reboot) implements Pipeline.ReleaseBound {
        Activation {
            checks = List.copyOf(checks);
        }

        /** A plain activation: no checks, nothing pending. */
        Activation(Unpack.VerifiedFlake flake, Duration took) {
            this(flake.release(), flake.sequence(), took, List.of(), null, PollOutcome.Reboot.NONE);
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
        activate(flake, poll, operation);
        return Step.next(new Activation(flake, Duration.between(poll.started(), clock.instant())));
    }

    /** The rebuild of {@code flake} with {@code op}, with the substituters of the settings and the command line. */
    ActivationRequest request(Unpack.VerifiedFlake flake, Poll poll, Operation op) {
        return new ActivationRequest(flake.dir(), poll.configuration(), op,
                ActivationRequest.union(poll.settings().extraSubstituters(), extraSubstituters),
                ActivationRequest.union(poll.settings().extraTrustedPublicKeys(), extraTrustedPublicKeys));
    }

    /**
     * Runs the rebuild as asked, with {@code op} instead of the configured operation. A failure after a
     * stop was requested is an interruption the daemon saw ({@link ActivationException#interruptedByShutdown}).
     */
    void activate(Unpack.VerifiedFlake flake, Poll poll, Operation op) {
        try {
            activator.activate(request(flake, poll, op));
        } catch (NpcnixException e) {
            throw stopRequested.getAsBoolean() ? ActivationException.interruptedByShutdown(e) : e;
        }
    }
}
