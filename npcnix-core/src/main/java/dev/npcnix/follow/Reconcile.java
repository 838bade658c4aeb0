package dev.npcnix.follow;

import dev.npcnix.NpcnixException;
import dev.npcnix.StateException;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.rollout.RolloutBoard;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.StoreException;
import dev.npcnix.system.Generation;
import dev.npcnix.system.NixosSystem;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.SystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first thing of every poll: finish what the pending record says was under way when the daemon
 * was killed, stopped or the host rebooted, and judge a new boot.
 * <ul>
 * <li>trial cut short before it switched, or the host rebooted (into the untouched boot default):
 *     {@code interrupted}; when the daemon saw a stop requested during it ({@code stop.json}) that is
 *     never held against the release, otherwise the second such interruption quarantines it;</li>
 * <li>still on the trial system: finish the checks, then commit or roll back;</li>
 * <li>a commit or a rollback under way: do it again (both are idempotent);</li>
 * <li>a reboot due: ask for it when the window is open; after it, the checks again, and when they fail
 *     the boot default goes back to the previous generation with one more reboot;</li>
 * <li>booted into something else than what a reboot was for (the boot loader fell back): the profile
 *     and boot default back on the previous generation, quarantined.</li>
 * </ul>
 * A release a rollout let through and that needed a reboot is judged here, so its verdict is told to its wave
 * here too ({@code applied}, or {@code failed} and a halt over the wave's budget), from the rollout the pending
 * record carries. Without a pending record and without checks it does nothing at all (not even read the boot id).
 */
final class Reconcile {
    private static final Logger log = LoggerFactory.getLogger(Reconcile.class);

    private final DataDir dataDir;
    private final Clock clock;
    private final FollowOptions options;
    private final SystemChanges changes;
    private final CheckRounds rounds;
    private final SafeActivation safe;
    private final Recorder recorder;
    private final RemoteStores stores;
    /** Whether the unfinished trial being reconciled was stopped on request (see {@link DataDir#takeStopRequestSince}). */
    private boolean stopRequested;

    Reconcile(DataDir dataDir, Clock clock, FollowOptions options, SystemChanges changes, CheckRounds rounds,
            SafeActivation safe, Recorder recorder, RemoteStores stores) {
        this.dataDir = dataDir;
        this.stores = stores;
        this.clock = clock;
        this.options = options;
        this.changes = changes;
        this.rounds = rounds;
        this.safe = safe;
        this.recorder = recorder;
    }

    /**
     * @param recording called before an outcome is recorded (the phase change)
     * @return the outcome that ends this poll, or empty to go on polling
     */
    Optional<PollOutcome> run(Settings settings, HostState state, Workspace workspace, Runnable recording) {
        if (options.dryRun()) {
            return Optional.empty();
        }
        HealthSettings health = options.healthChecks() ? settings.health() : HealthSettings.NONE;
        HostState.Pending p = state.pending();
        if (p == null) {
            try {
                assessBoot(settings, state, health);
            } catch (StateException e) {
                throw e;
            } catch (NpcnixException e) {
                log.warn("cannot judge this boot: {}", e.getMessage());
            }
            return Optional.empty();
        }
        // a stop the daemon saw requested during this trial (stop.json) is not held against the release
        stopRequested = dataDir.takeStopRequestSince(p.startedAt());
        Poll poll = new Poll(p.remote(), p.configuration(), settings, state, Optional.empty(), false, p.startedAt(), workspace);
        Release release = new Release(p.remote(), p.etag(), p.sha256(), p.size());
        try {
            return reconcile(p, poll, release, health, settings.reboot(), recording);
        } catch (UnhealthyException | InterruptedTrialException e) {
            return Optional.of(recorder.failed(Optional.of(release), e, poll, recording));
        } catch (StateException e) {
            throw e;
        } catch (NpcnixException e) {
            // the host's system failed us (nix-env, switch-to-configuration): the record stays, the next poll tries again
            log.error("release {} of {}: cannot finish the {} in progress, will retry: {}", release.shortId(), p.remote(),
                    p.phase().name().toLowerCase(Locale.ROOT), e.getMessage());
            return Optional.of(new PollOutcome.Failed(Optional.of(release), e));
        }
    }

    private Optional<PollOutcome> reconcile(HostState.Pending p, Poll poll, Release release, HealthSettings health,
            RebootSettings reboot, Runnable recording) {
        NixosSystem system = changes.system();
        String bootNow = system.bootId();
        boolean rebooted = !bootNow.equals(p.bootId());
        String what = "release " + release.shortId() + " of " + p.remote();
        log.info("{}: found {} in progress ({}), reconciling", what, p.phase().name().toLowerCase(Locale.ROOT),
                rebooted ? "the host rebooted since" : "same boot");
        Optional<Path> current = system.currentSystem();
        switch (p.phase()) {
            case TRIAL -> {
                if (p.operation() == Operation.BOOT) {
                    Optional<Generation> profile = system.profileGeneration();
                    if (profile.isPresent() && p.previous() != null && profile.get().number() != p.previous().number()) {
                        // nixos-rebuild boot got as far as the profile: committed; the checks come after a reboot
                        HostState.Pending committed = p.withTrial(profile.get().toplevel()).inBoot(bootNow);
                        return activated(poll, p, List.of(), changes.planReboot(committed, reboot, health.any()), recording);
                    }
                    throw interrupted(what, "stopped during nixos-rebuild boot");
                }
                if (rebooted) {
                    throw interrupted(what, "the host rebooted during the trial (into its boot default, generation "
                            + p.previous().number() + ")");
                }
                if (current.equals(Optional.ofNullable(p.previousCurrent()))) {
                    throw interrupted(what, "stopped before the release was switched to");
                }
                throw rolledBackThenInterrupted(p, what, "stopped during nixos-rebuild test");
            }
            case CHECKING -> {
                if (rebooted) {
                    throw interrupted(what, "the host rebooted during the checks (into its boot default, generation "
                            + p.previous().number() + ")");
                }
                if (current.isPresent() && current.get().equals(p.trial())) {
                    log.info("{}: still on the trial system {}: finishing the checks", what, p.trial());
                    return Optional.of(recorder.activated(safe.checkAndCommit(p, health, reboot, p.startedAt()), poll));
                }
                if (current.isPresent() && current.get().equals(p.previous().toplevel())) {
                    throw interrupted(what, "stopped during the checks; generation " + p.previous().number() + " runs again");
                }
                throw rolledBackThenInterrupted(p, what, "stopped during the checks, and the system changed since");
            }
            case COMMITTING -> {
                Optional<Path> booted = system.bootedSystem();
                if (!rebooted || (booted.isPresent() && booted.get().equals(p.trial()))) {
                    HostState.Pending committed = changes.commit(p.inBoot(bootNow));
                    SystemChanges.RebootPlan plan = rebooted ? new SystemChanges.RebootPlan(null, PollOutcome.Reboot.NONE)
                            : changes.planReboot(committed, reboot, false);
                    return activated(poll, p, dataDir.loadState().checks(), plan, recording);
                }
                changes.restoreBootDefault(p, false);
                throw interrupted(what, "the host rebooted while the release was being committed");
            }
            case ROLLING_BACK -> {
                Optional<Path> booted = system.bootedSystem();
                if (rebooted && booted.isPresent() && booted.get().equals(p.previous().toplevel())) {
                    throw new UnhealthyException(what + ": " + p.reason() + "; rolled back to generation " + p.previous().number()
                            + " (by a reboot)", p.failing(), dataDir.loadState().checks(), false, null);
                }
                throw changes.rollBack(p, p.failing(), p.reason(), dataDir.loadState().checks());
            }
            case REBOOT -> {
                return afterCommit(p, poll, release, what, rebooted, bootNow, health, reboot, recording);
            }
            case ROLLBACK_REBOOT -> {
                if (!rebooted) {
                    return requestReboot(release, true);
                }
                Optional<Path> booted = system.bootedSystem();
                if (booted.isPresent() && booted.get().equals(p.previous().toplevel())) {
                    throw new UnhealthyException(what + ": " + p.reason() + "; rolled back to generation " + p.previous().number()
                            + " (boot default and one reboot)", p.failing(), dataDir.loadState().checks(), false, null);
                }
                throw new UnhealthyException(what + ": " + p.reason() + "; the rollback reboot did not boot generation "
                        + p.previous().number() + " (booted " + booted.map(Path::toString).orElse("unknown") + ")", p.failing(),
                        dataDir.loadState().checks(), true, null);
            }
            default -> throw new IllegalStateException("unknown phase " + p.phase());
        }
    }

    /** A committed release waiting for its reboot, or just back from it. */
    private Optional<PollOutcome> afterCommit(HostState.Pending p, Poll poll, Release release, String what, boolean rebooted,
            String bootNow, HealthSettings health, RebootSettings reboot, Runnable recording) {
        if (!rebooted) {
            if (SystemChanges.reboots(reboot) && changes.windowOpen(reboot)) {
                if (p.reboots() == 0) {
                    changes.store(p.rebooting(HostState.Pending.Phase.REBOOT, bootNow));
                }
                return requestReboot(release, false);
            }
            return Optional.empty(); // reboot pending: the poll goes on
        }
        Optional<Path> booted = changes.system().bootedSystem();
        if (booted.isEmpty() || !booted.get().equals(p.trial())) {
            changes.restoreBootDefault(p, false);
            throw toldFailed(p, new UnhealthyException(what + ": the host did not boot its system " + p.trial() + " (booted "
                    + booted.map(Path::toString).orElse("unknown") + "); boot default back on generation " + p.previous().number(),
                    List.of("boot"), List.of(), false, null));
        }
        CheckRounds.Verdict verdict = health.any()
                ? rounds.run(changes.checks(health, Optional.of(p.remote()), Optional.of(p.etag())), health, "the reboot into " + what)
                : new CheckRounds.Verdict(true, List.of());
        HostState now = dataDir.loadState().withBootCheck(new HostState.BootCheck(bootNow, booted.get(), verdict.passed(),
                clock.instant()));
        if (verdict.passed()) {
            dataDir.storeState(now.withPending(null));
            log.info("{}: booted into {}{}", what, p.trial(), health.any() ? ", checks passed" : "");
            toldApplied(p);
            return Optional.empty();
        }
        dataDir.storeState(now);
        String reason = "checks failed after the reboot: " + verdict.summary();
        if (!SystemChanges.reboots(reboot)) {
            changes.restoreBootDefault(p, true); // --reboot never: the previous system runs again without one
            throw toldFailed(p, new UnhealthyException(what + ": " + reason + "; rolled back to generation " + p.previous().number()
                    + " without a reboot (its kernel runs at the next one)", verdict.failing(), verdict.results(), false, null));
        }
        changes.restoreBootDefault(p, false);
        // the verdict is known now: the rollout hears it before the reboot back (a kill in between tells it again:
        // the marker is per host, so it counts once), and the record stops carrying the rollout
        toldFailed(p, new UnhealthyException(what + ": " + reason + "; going back to generation " + p.previous().number()
                + " (boot default and one reboot)", verdict.failing(), verdict.results(), false, null));
        changes.store(p.failed(HostState.Pending.Phase.ROLLBACK_REBOOT, verdict.failing(), reason)
                .rebooting(HostState.Pending.Phase.ROLLBACK_REBOOT, bootNow).withRollout(null));
        log.warn("{}: {}; boot default back on generation {}, rebooting into it", what, reason, p.previous().number());
        return requestReboot(release, true);
    }

    /**
     * The release the gate let through passed its checks after the reboot: {@code applied} for its wave, and
     * with {@code on_halt: rollback} the halt watch from now on. A store that cannot be written is only logged
     * (the wave then waits for this host until {@code host_timeout}), as {@link Gate#afterRecord} does.
     */
    private void toldApplied(HostState.Pending p) {
        HostState.Pending.Rollout r = p.rollout();
        if (r == null) {
            return;
        }
        if (r.watchUntil() != null && p.previous() != null) {
            dataDir.storeState(dataDir.loadState().withHaltWatch(new HostState.HaltWatch(p.remote(), p.etag(), p.sha256(), p.size(),
                    p.configuration(), r.rolloutId(), p.previous(), r.watchUntil())));
        }
        try {
            board(p).mark(RolloutBoard.Marker.APPLIED, r.wave(), r.host(), clock.instant(), null);
        } catch (StoreException e) {
            log.warn("rollout {}: cannot record this host's result: {}", r.rolloutId(), e.getMessage());
        }
    }

    /** The release failed after the reboot: {@code failed} for its wave, and a halt over the wave's budget. */
    private UnhealthyException toldFailed(HostState.Pending p, UnhealthyException failure) {
        HostState.Pending.Rollout r = p.rollout();
        if (r != null) {
            try {
                RolloutVerdict.failed(board(p), r.wave(), r.failureBudget(), r.host(), failure.getMessage(), clock.instant());
            } catch (StoreException e) {
                log.warn("rollout {}: cannot record this host's result: {}", r.rolloutId(), e.getMessage());
            }
        }
        return failure;
    }

    private RolloutBoard board(HostState.Pending p) {
        return new RolloutBoard(stores.forRemote(p.remote()), p.remote(), p.rollout().rolloutId());
    }

    private Optional<PollOutcome> requestReboot(Release release, boolean rollback) {
        try {
            changes.system().reboot();
        } catch (SystemException e) {
            log.error("cannot reboot: {}; trying again at the next poll", e.getMessage());
            return Optional.of(new PollOutcome.Failed(Optional.of(release), e));
        }
        return Optional.of(new PollOutcome.Rebooting(release, rollback));
    }

    private Optional<PollOutcome> activated(Poll poll, HostState.Pending p, List<CheckResult> checks,
            SystemChanges.RebootPlan plan, Runnable recording) {
        recording.run();
        Release release = new Release(p.remote(), p.etag(), p.sha256(), p.size());
        return Optional.of(recorder.activated(new Activate.Activation(release, p.sequence() > 0 ? OptionalLong.of(p.sequence())
                : OptionalLong.empty(), Duration.between(p.startedAt(), clock.instant()), checks, plan.keep(), plan.reboot()), poll));
    }

    private UnhealthyException rolledBackThenInterrupted(HostState.Pending p, String what, String why) {
        UnhealthyException rollback = changes.rollBack(p, List.of(), why, List.of());
        if (rollback.rollbackFailed()) {
            return rollback;
        }
        throw interrupted(what, why + "; generation " + p.previous().number() + " re-activated");
    }

    private InterruptedTrialException interrupted(String what, String why) {
        return new InterruptedTrialException(what + ": interrupted: " + why + (stopRequested ? " (a stop was requested)" : ""),
                false, stopRequested, null);
    }

    /**
     * A boot not judged yet (checks configured, and something applied already): the checks decide
     * whether it is good; {@code npcnix check --boot} waits for the verdict. Nothing is rolled back on
     * failure: the generation passed its checks when it was committed.
     */
    private void assessBoot(Settings settings, HostState state, HealthSettings health) {
        if (!health.any() || settings.lastEtag().isEmpty()) {
            return;
        }
        NixosSystem system = changes.system();
        String bootNow = system.bootId();
        if (state.bootCheck() != null && bootNow.equals(state.bootCheck().bootId())) {
            return;
        }
        CheckRounds.Verdict verdict = rounds.run(changes.checks(health, settings.remote(), settings.lastEtag()), health, "this boot");
        dataDir.storeState(dataDir.loadState().withBootCheck(new HostState.BootCheck(bootNow,
                system.bootedSystem().orElse(null), verdict.passed(), clock.instant())));
        if (!verdict.passed()) {
            log.warn("this boot failed its checks ({}); it is not marked good, and nothing is rolled back (the running generation"
                    + " passed its checks when it was committed)", verdict.summary());
        }
    }
}
