package dev.npcnix.follow;

import dev.npcnix.ErrorClass;
import dev.npcnix.activate.ActivationException;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.state.HostState;
import dev.npcnix.system.Generation;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.SystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 5 with health checks or reboots configured, {@link Unpack.VerifiedFlake} →
 * {@link Activate.Activation}, in place of {@link Activate}: <em>trial, then commit</em>. The pending
 * record is written before anything changes; {@code nixos-rebuild test} runs the release without
 * touching the boot loader or the profile; after {@code settle} the checks run until they all pass or
 * the {@code deadline}; then the exact system that was tested (read from the current-system link) is
 * committed ({@code nix-env --set}, {@code switch-to-configuration boot}), or the profile's generation is
 * re-activated and the release quarantined as {@code unhealthy}. So the profile and the boot default
 * only ever point at a generation that passed its checks. {@code operation = boot} commits without a
 * trial and relies on the reboot path; with no check and no reboot policy, this is {@link Activate}.
 */
final class SafeActivation implements Stage<Unpack.VerifiedFlake, Activate.Activation> {
    private static final Logger log = LoggerFactory.getLogger(SafeActivation.class);

    private final Activate plain;
    private final SystemChanges changes;
    private final CheckRounds rounds;
    private final Clock clock;
    private final FollowOptions options;

    SafeActivation(Activate plain, SystemChanges changes, CheckRounds rounds, Clock clock, FollowOptions options) {
        this.plain = plain;
        this.changes = changes;
        this.rounds = rounds;
        this.clock = clock;
        this.options = options;
    }

    /** The checks this run applies: the host's, unless {@code --no-health-checks}. */
    static HealthSettings health(FollowOptions options, Poll poll) {
        return options.healthChecks() ? poll.settings().health() : HealthSettings.NONE;
    }

    @Override
    public Step<Activate.Activation> run(Unpack.VerifiedFlake flake, Poll poll) {
        HealthSettings health = health(options, poll);
        RebootSettings reboot = poll.settings().reboot();
        Operation op = options.operation();
        if (options.dryRun() || op == Operation.DRY_ACTIVATE || (!health.any() && reboot.policy() == RebootPolicy.NEVER)
                || (op == Operation.TEST && !health.any())) {
            if (options.dryRun() && health.any()) {
                log.info("dry run: would try release {} with nixos-rebuild test and keep it only if its health checks pass",
                        flake.release().shortId());
            }
            return plain.run(flake, poll);
        }
        if (op == Operation.SWITCH && !health.any()) {
            return switchThenReboot(flake, poll, reboot);
        }
        Generation previous = changes.system().profileGeneration().orElseThrow(() -> new SystemException("system profile "
                + changes.system().profilePath() + ": missing (safe activation needs a NixOS system profile)", null));
        HostState.Pending p = changes.store(new HostState.Pending(HostState.Pending.Phase.TRIAL, flake.release().remote(),
                flake.release().etag(), flake.release().sha256(), flake.release().size(), poll.configuration(), op,
                flake.sequence().orElse(0), poll.started(), changes.system().bootId(), previous,
                changes.system().currentSystem().orElse(null), null, List.of(), null, 0));
        if (op == Operation.BOOT) {
            return boot(flake, poll, p, health, reboot);
        }
        log.info("trying release {} of {} as {} (nixos-rebuild test), then its health checks", flake.release().shortId(),
                poll.remote(), poll.configuration());
        try {
            plain.activate(flake, poll, Operation.TEST);
        } catch (ActivationException e) {
            Optional<Path> now = changes.system().currentSystem();
            if (now.equals(Optional.ofNullable(p.previousCurrent()))) {
                throw e; // nothing was switched (it did not build, or was stopped before): as without checks
            }
            if (e.stopRequested()) {
                // stopped on request half-way: the pending record stays, the next start rolls back and retries
                throw new InterruptedTrialException("stopped during nixos-rebuild test: " + e.getMessage(), true, true, e);
            }
            if (e.errorClass() == ErrorClass.INTERRUPTED) {
                // killed by a signal nobody asked for (the OOM killer): not unhealthy, but it counts
                UnhealthyException rollback = changes.rollBack(p, List.of(), "activation interrupted: " + e.getMessage(), List.of());
                if (rollback.rollbackFailed()) {
                    throw rollback;
                }
                throw new InterruptedTrialException(e.getMessage() + "; generation " + p.previous().number() + " re-activated",
                        false, false, e);
            }
            throw changes.rollBack(p, List.of("activation"), "activation failed: " + e.getMessage(), List.of());
        }
        Path trial = changes.system().currentSystem().orElseThrow(() -> new SystemException("current system: missing after "
                + "nixos-rebuild test", null));
        p = changes.store(p.withPhase(HostState.Pending.Phase.CHECKING).withTrial(trial));
        return Step.next(checkAndCommit(p, health, reboot, poll.started()));
    }

    /**
     * The checks of a trial system that runs, then the commit or the rollback: what a trial does after
     * {@code nixos-rebuild test}, and what the reconcile does when it finds a trial still running.
     *
     * @throws UnhealthyException when the checks fail (rolled back, or the rollback failed)
     */
    Activate.Activation checkAndCommit(HostState.Pending p, HealthSettings health, RebootSettings reboot,
            Instant started) {
        Release release = new Release(p.remote(), p.etag(), p.sha256(), p.size());
        CheckRounds.Verdict verdict = rounds.run(changes.checks(health, Optional.of(p.remote()), Optional.of(p.etag())), health,
                "release " + release.shortId());
        if (!verdict.passed()) {
            throw changes.rollBack(p, verdict.failing(), "checks failed: " + verdict.summary(), verdict.results());
        }
        if (p.operation() == Operation.TEST) {
            return activation(release, p, started, verdict, new SystemChanges.RebootPlan(null, PollOutcome.Reboot.NONE));
        }
        HostState.Pending committed = changes.commit(p);
        return activation(release, p, started, verdict, changes.planReboot(committed, reboot, false));
    }

    /** {@code nixos-rebuild switch} as without checks, then the reboot the policy asks for. */
    private Step<Activate.Activation> switchThenReboot(Unpack.VerifiedFlake flake, Poll poll, RebootSettings reboot) {
        Generation previous = changes.system().profileGeneration().orElse(null);
        Step<Activate.Activation> done = plain.run(flake, poll);
        Generation next = changes.system().profileGeneration().orElseThrow(() -> new SystemException("system profile "
                + changes.system().profilePath() + ": missing after nixos-rebuild switch", null));
        HostState.Pending committed = new HostState.Pending(HostState.Pending.Phase.REBOOT, flake.release().remote(),
                flake.release().etag(), flake.release().sha256(), flake.release().size(), poll.configuration(), Operation.SWITCH,
                flake.sequence().orElse(0), poll.started(), changes.system().bootId(), previous, null, next.toplevel(), List.of(),
                null, 0);
        SystemChanges.RebootPlan plan = changes.planReboot(committed, reboot, false);
        Activate.Activation a = ((Step.Next<Activate.Activation>) done).value();
        return Step.next(new Activate.Activation(a.release(), a.sequence(), a.took(), List.of(), plan.keep(), plan.reboot()));
    }

    /** {@code nixos-rebuild boot}: committed without a trial; the checks run after the reboot into it. */
    private Step<Activate.Activation> boot(Unpack.VerifiedFlake flake, Poll poll, HostState.Pending p, HealthSettings health,
            RebootSettings reboot) {
        plain.activate(flake, poll, Operation.BOOT);
        Generation next = changes.system().profileGeneration().orElseThrow(() -> new SystemException("system profile "
                + changes.system().profilePath() + ": missing after nixos-rebuild boot", null));
        HostState.Pending committed = p.withTrial(next.toplevel());
        SystemChanges.RebootPlan plan = changes.planReboot(committed, reboot, health.any());
        return Step.next(activation(flake.release(), p, poll.started(), null, plan));
    }

    private Activate.Activation activation(Release release, HostState.Pending p, Instant started,
            CheckRounds.Verdict verdict, SystemChanges.RebootPlan plan) {
        return new Activate.Activation(release, p.sequence() > 0 ? OptionalLong.of(p.sequence()) : OptionalLong.empty(),
                Duration.between(started, clock.instant()),
                verdict == null ? List.of() : verdict.results(), plan.keep(), plan.reboot());
    }
}
