package dev.npcnix.follow;

import dev.npcnix.health.CheckResult;
import dev.npcnix.health.HealthChecks;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.health.RemoteProbe;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.system.Generation;
import dev.npcnix.system.NixosSystem;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.SystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps that change the host's system during safe activation, each preceded by the pending record
 * that says what is about to happen (written atomically, so a kill at any moment is reconciled): roll
 * back to the profile's generation, commit the tested system, plan a reboot. Shared by the trial
 * ({@link SafeActivation}) and the reconcile at start ({@link Reconcile}).
 */
final class SystemChanges {
    private static final Logger log = LoggerFactory.getLogger(SystemChanges.class);

    /** What to do about the boot after a commit: the record to keep pending, and whether to reboot now. */
    record RebootPlan(HostState.Pending keep, PollOutcome.Reboot reboot) {
    }

    private final DataDir dataDir;
    private final RemoteStores stores;
    private final HostSystem host;
    private final Clock clock;

    SystemChanges(DataDir dataDir, RemoteStores stores, HostSystem host, Clock clock) {
        this.dataDir = dataDir;
        this.stores = stores;
        this.host = host;
        this.clock = clock;
    }

    NixosSystem system() {
        return host.system();
    }

    /** Writes {@code p} as the pending record (atomically, fsynced) and returns it. */
    HostState.Pending store(HostState.Pending p) {
        dataDir.storeState(dataDir.loadState().withPending(p));
        return p;
    }

    /** The configured checks, the {@code remote} one asking the store about {@code etag} as a poll does. */
    HealthChecks checks(HealthSettings health, Optional<RemoteUri> remote, Optional<Etag> etag) {
        return HealthChecks.of(health, host.system().environment(), host.system().systemctl(),
                RemoteProbe.conditionalGet(stores, remote, etag));
    }

    /**
     * Re-activates the profile's generation ({@code switch-to-configuration test}: the boot entry was
     * never touched) and checks that it runs.
     *
     * @return the failure to throw: rolled back, or with {@link UnhealthyException#rollbackFailed()}
     */
    UnhealthyException rollBack(HostState.Pending p, List<String> failing, String reason, List<CheckResult> checks) {
        HostState.Pending decided = store(p.failed(HostState.Pending.Phase.ROLLING_BACK, failing, reason));
        Generation previous = decided.previous();
        String release = "release " + new Release(decided.remote(), decided.etag(), decided.sha256(), decided.size()).shortId() + " of "
                + decided.remote();
        log.warn("{}: {}; rolling back to {}", release, reason, previous);
        try {
            host.system().switchToConfiguration(previous.toplevel(), "test");
            Optional<Path> now = host.system().currentSystem();
            if (now.isEmpty() || !now.get().equals(previous.toplevel())) {
                throw new SystemException("the current system is " + now.map(Path::toString).orElse("missing") + " after the rollback, not "
                        + previous.toplevel(), null);
            }
        } catch (SystemException e) {
            return new UnhealthyException(release + ": " + reason + "; rollback to generation " + previous.number() + " failed: "
                    + e.getMessage(), failing, checks, true, e);
        }
        log.info("{}: rolled back, generation {} runs again", release, previous.number());
        return new UnhealthyException(release + ": " + reason + "; rolled back to generation " + previous.number(), failing, checks,
                false, null);
    }

    /**
     * Commits the tested system: the profile points at it (a new generation, unless it already does) and
     * the boot loader boots it ({@code switch-to-configuration boot}). Idempotent.
     */
    HostState.Pending commit(HostState.Pending p) {
        HostState.Pending committing = store(p.withPhase(HostState.Pending.Phase.COMMITTING));
        Optional<Generation> now = host.system().profileGeneration();
        if (now.isEmpty() || !now.get().toplevel().equals(committing.trial())) {
            host.system().setProfile(committing.trial());
        }
        host.system().switchToConfiguration(committing.trial(), "boot");
        log.info("release {} of {}: committed {} as the system profile and boot default", new Release(committing.remote(),
                committing.etag(), committing.sha256(), committing.size()).shortId(), committing.remote(), committing.trial());
        return committing;
    }

    /**
     * The profile and the boot entry back on the previous generation (after its reboot failed its
     * checks, or it did not boot): {@code nix-env --switch-generation}, {@code switch-to-configuration
     * boot}; with {@code activate}, {@code switch} instead of {@code boot} (the previous system runs now).
     */
    void restoreBootDefault(HostState.Pending p, boolean activate) {
        Generation previous = p.previous();
        if (previous == null) {
            throw new SystemException("release " + p.etag() + " of " + p.remote() + ": no previous generation recorded to go back to",
                    null);
        }
        switchBack(previous, activate);
    }

    /**
     * The profile and the boot entry on {@code previous} ({@code nix-env --switch-generation},
     * {@code switch-to-configuration boot}, or {@code switch} with {@code activate}): the one way back to a
     * generation once a release was committed, after a failed reboot or a halted rollout. Idempotent.
     */
    void switchBack(Generation previous, boolean activate) {
        Optional<Generation> now = host.system().profileGeneration();
        if (now.isEmpty() || now.get().number() != previous.number()) {
            host.system().switchGeneration(previous.number());
        }
        host.system().switchToConfiguration(previous.toplevel(), activate ? "switch" : "boot");
    }

    /**
     * After a commit: whether the host must reboot into {@code committed.trial()}, by policy, and when.
     *
     * @param waitForAnyReboot keep the record even when no reboot is due (operation boot: the checks run
     *     after whatever reboot comes)
     */
    RebootPlan planReboot(HostState.Pending committed, RebootSettings settings, boolean waitForAnyReboot) {
        Path next = committed.trial();
        Optional<Path> booted = host.system().bootedSystem();
        boolean needed = switch (settings.policy()) {
            case NEVER -> false;
            case ALWAYS -> booted.isEmpty() || !booted.get().equals(next);
            case WHEN_NEEDED -> {
                if (booted.isEmpty()) {
                    log.warn("no booted system ({}): cannot tell whether a reboot is needed", "NPCNIX_BOOTED_SYSTEM");
                    yield false;
                }
                List<String> differ = host.system().bootDifferences(booted.get(), next);
                if (!differ.isEmpty()) {
                    log.info("reboot needed: {} of {} differ from the booted system", String.join(", ", differ), next);
                }
                yield !differ.isEmpty();
            }
        };
        HostState.Pending waiting = committed.withPhase(HostState.Pending.Phase.REBOOT);
        if (!needed) {
            return new RebootPlan(waitForAnyReboot ? waiting : null, PollOutcome.Reboot.NONE);
        }
        if (windowOpen(settings)) {
            return new RebootPlan(waiting.rebooting(HostState.Pending.Phase.REBOOT, host.system().bootId()),
                    PollOutcome.Reboot.REQUESTED);
        }
        log.info("reboot pending until the reboot window {} opens", settings.window().map(Object::toString).orElse(""));
        return new RebootPlan(waiting, PollOutcome.Reboot.PENDING);
    }

    /** Whether a reboot may happen now (no window: always). */
    boolean windowOpen(RebootSettings settings) {
        return settings.window().map(w -> w.isOpen(ZonedDateTime.ofInstant(clock.instant(), host.zone()))).orElse(true);
    }

    /** Whether the policy lets npcnix reboot the host at all. */
    static boolean reboots(RebootSettings settings) {
        return settings.policy() != RebootPolicy.NEVER;
    }
}
