package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Activator;
import dev.npcnix.state.ActivationLock;
import dev.npcnix.state.DataDir;
import dev.npcnix.local.LocalException;
import dev.npcnix.state.HostState;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.system.NixosSystem;
import dev.npcnix.system.SystemException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll step ({@link #pollOnce()}): with the activation lock held, load settings and state, finish
 * what a pending trial left ({@link Reconcile}), then run the stages in order, each with one typed input
 * and output: {@link Fetch} (one conditional request, no body when unchanged) → {@link Download} (a
 * {@link Release} in {@code tmp/}, ETag and SHA-256) → {@link Screen} (quarantined, or applied already)
 * → {@link Unpack} (unpacked and verified in one hashing pass) → {@link Gate} (a staged rollout's wave,
 * halt and leases) → {@link SafeActivation} (with checks: trial, checks, commit or rollback; without:
 * {@link Activate}) → {@link Recorder} (written atomically) → the reboot a commit asked for. A release
 * the gate holds back stays verified in the data dir: while the remote still has it, the next poll goes
 * from the conditional GET straight to the gate. Synchronous; returns a {@link PollOutcome} and never
 * throws for a failure the loop should survive.
 *
 * <p>Where the next stages go: reports, metrics and hooks after the record, as observers of the outcome.
 */
public final class Follower {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);

    /**
     * Where a poll is; the daemon defers a shutdown while {@link #ACTIVATING} or {@link #RECORDING}, and
     * leaves at once while {@link #GATING} (a release held for its wave: nothing to interrupt) or
     * {@link #CHECKING} (a trial's checks: the next start finishes them, and a reboot boots the untouched
     * boot default).
     */
    public enum Phase { IDLE, FETCHING, UNPACKING, GATING, ACTIVATING, CHECKING, RECORDING }

    private final DataDir dataDir;
    private final Clock clock;
    private final FollowOptions options;
    private final Fetch fetch;
    private final Download download;
    private final Screen screen;
    private final Unpack unpack;
    private final Gate gate;
    private final SafeActivation activate;
    private final Recorder recorder;
    private final Reconcile reconcile;
    private final HaltWatcher haltWatcher;
    private final NixosSystem system;
    private volatile Phase phase = Phase.IDLE;
    private Consumer<Phase> phaseListener = p -> { };
    private volatile BooleanSupplier stopRequested = () -> false;
    private boolean ignoreEtagPending;
    /** The pause last said in the log: said when it starts, not on every poll. */
    private Optional<Pause> pauseSaid = Optional.empty();
    /** The activation lock of the poll running now, told when the poll starts activating. */
    private volatile ActivationLock held;

    /**
     * A poll step whose safe activation (when the host has checks or a reboot policy) uses the NixOS
     * system at its default paths, programs on no PATH, real sleeping and the system's time zone: for
     * hosts without checks (entry points pass a {@link HostSystem} of their environment).
     */
    public Follower(DataDir dataDir, RemoteStores stores, Activator activator, Clock clock, FollowOptions options) {
        this(dataDir, stores, activator, clock, options, new HostSystem(NixosSystem.fromEnvironment(java.util.Map.of(),
                java.util.Optional.empty()), Sleeper.system(), ZoneId.systemDefault()));
    }

    /** @param host the NixOS system and waiting of safe activation */
    public Follower(DataDir dataDir, RemoteStores stores, Activator activator, Clock clock, FollowOptions options,
            HostSystem host) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.options = options;
        this.fetch = new Fetch(stores);
        this.download = new Download(options.maxDownloadBytes());
        this.screen = new Screen();
        this.unpack = new Unpack(options.limits(), options.verifier());
        this.recorder = new Recorder(dataDir, clock, options);
        this.system = host.system();
        SystemChanges changes = new SystemChanges(dataDir, stores, host, clock);
        this.gate = new Gate(dataDir, stores, clock, options, changes);
        this.haltWatcher = new HaltWatcher(dataDir, stores, clock, changes, recorder);
        CheckRounds rounds = new CheckRounds(dataDir, clock, host.sleeper(), this::enter);
        this.activate = new SafeActivation(new Activate(activator, clock, options, () -> stopRequested.getAsBoolean()), changes, rounds, clock, options);
        this.reconcile = new Reconcile(dataDir, clock, options, changes, rounds, activate, recorder, stores);
        this.ignoreEtagPending = options.ignoreEtag();
    }

    /** Tells {@code listener} about every phase change (called on the polling thread). */
    public void onPhase(Consumer<Phase> listener) {
        this.phaseListener = listener;
    }

    /**
     * Tells the poll step when a shutdown was requested: an activation that fails after that is recorded
     * as interrupted (tried again at the next start), not quarantined.
     */
    public void stopRequestedBy(BooleanSupplier requested) {
        this.stopRequested = requested;
    }

    public Phase phase() {
        return phase;
    }

    /**
     * Called from the signal handler's thread as a stop is requested: while a poll runs (a trial may be
     * under way, and the process may end before the poll does) the stop is recorded in {@code stop.json},
     * so the next start does not hold the unfinished trial against the release.
     */
    public void stopRequestedNow() {
        if (phase == Phase.IDLE || options.dryRun()) {
            return;
        }
        try {
            dataDir.recordStopRequest(clock.instant());
        } catch (LocalException e) {
            log.warn("cannot record the stop request: {}", e.getMessage());
        }
    }

    /** One poll for the configured configuration. */
    public PollOutcome pollOnce() {
        return pollOnce(Optional.empty());
    }

    /** One poll, applying {@code configurationOverride} instead of the configured one when given. */
    public PollOutcome pollOnce(Optional<ConfigurationName> configurationOverride) {
        try (ActivationLock lock = dataDir.lockActivation(options.waitForLock(), this::notice)) {
            held = lock;
            return pollLocked(configurationOverride);
        } finally {
            held = null;
            enter(Phase.IDLE);
        }
    }

    private PollOutcome pollLocked(Optional<ConfigurationName> configurationOverride) {
        PollOutcome outcome = pollThenRecord(configurationOverride);
        if ((outcome instanceof PollOutcome.Activated a && a.reboot() == PollOutcome.Reboot.REQUESTED)) {
            try {
                system.reboot(); // after the record: the pending record says what the next boot must check
            } catch (SystemException e) {
                log.error("cannot reboot: {}; trying again at the next poll", e.getMessage());
            }
        }
        return outcome;
    }

    private PollOutcome pollThenRecord(Optional<ConfigurationName> configurationOverride) {
        Settings settings = dataDir.loadSettings();
        HostState state = dataDir.loadState();
        Settings effective = dataDir.requireBootstrapped(configurationOverride.map(settings::withConfiguration).orElse(settings));
        RemoteUri remote = effective.remote().orElseThrow();
        ConfigurationName configuration = effective.configuration().orElseThrow();
        if (state.pending() != null || settings.health().any()) {
            if (state.pending() != null) {
                enter(Phase.ACTIVATING); // a commit or rollback may run: a stop waits for it
            }
            try (Workspace workspace = new Workspace(dataDir)) {
                Optional<PollOutcome> reconciled = reconcile.run(settings, state, workspace, () -> enter(Phase.RECORDING));
                if (reconciled.isPresent()) {
                    return record(reconciled.get(), remote, configuration);
                }
            }
            settings = dataDir.loadSettings();
            state = dataDir.loadState();
        }
        Optional<Pause> pause = settings.pauseAt(clock.instant());
        if (pause.isPresent()) {
            if (!pause.equals(pauseSaid)) {
                log.info("{}: not polling", pause.get()); // once when the pause starts, not on every poll
                pauseSaid = pause;
            }
            return record(new PollOutcome.Paused(pause.get()), remote, configuration);
        }
        if (pauseSaid.isPresent()) {
            log.info("no longer paused: polling again");
            pauseSaid = Optional.empty();
        }
        if (state.haltWatch() != null && !options.dryRun()) {
            enter(Phase.ACTIVATING); // a switch back may run: a stop waits for it
            try (Workspace workspace = new Workspace(dataDir)) {
                Optional<PollOutcome> halted = haltWatcher.run(settings, state, workspace, () -> enter(Phase.RECORDING));
                if (halted.isPresent()) {
                    return record(halted.get(), remote, configuration);
                }
            }
            state = dataDir.loadState();
        }
        try (Workspace workspace = new Workspace(dataDir)) {
            Poll poll = new Poll(remote, configuration, settings, state,
                    ignoreEtagPending ? Optional.empty() : recorder.known(settings, state, remote, configuration),
                    ignoreEtagPending, clock.instant(), workspace);
            Pipeline<Fetch.Incoming> fetched = Pipeline.start(poll, this::enter).then(Phase.FETCHING, fetch);
            Optional<Unpack.VerifiedFlake> held = held(poll);
            // A release a rollout holds is not downloaded again while the remote still has it: the gate is asked again.
            Pipeline<Unpack.VerifiedFlake> verified = held.isPresent()
                    && fetched.stoppedWith(o -> o instanceof PollOutcome.Unchanged u && u.etag().equals(held.get().release().etag()))
                    ? Pipeline.resume(poll, this::enter, held.get())
                    : fetched.then(Phase.FETCHING, download)
                            .then(Phase.FETCHING, screen)
                            .then(Phase.UNPACKING, unpack);
            PollOutcome outcome = verified
                    .then(Phase.GATING, gate)
                    .then(Phase.ACTIVATING, activate)
                    .finish(Phase.RECORDING, recorder::activated, recorder::stopped,
                            (release, error, p) -> {
                                workspace.close(); // a full disk gets its room back before the record
                                return recorder.failed(release, error, p, () -> enter(Phase.RECORDING));
                            });
            gate.afterRecord(outcome);
            if (outcome instanceof PollOutcome.Activated || (outcome instanceof PollOutcome.Failed f
                    && f.error().errorClass() == ErrorClass.DETERMINISTIC && !options.dryRun())) {
                ignoreEtagPending = false; // --ignore-etag forces the first release dealt with, not every poll
            }
            return record(outcome, remote, configuration);
        }
    }

    /**
     * Keeps what the poll found in {@code poll.json} for {@code status} (not in a dry run, which records
     * nothing). Never changes the outcome: a record that cannot be written is only logged.
     */
    private PollOutcome record(PollOutcome outcome, RemoteUri remote, ConfigurationName configuration) {
        if (options.dryRun()) {
            return outcome;
        }
        Etag served = null;
        ErrorClass errorClass = null;
        String message = null;
        if (outcome instanceof PollOutcome.Unchanged u) {
            served = u.etag();
        } else if (outcome instanceof PollOutcome.Activated a) {
            served = a.release().etag();
        } else if (outcome instanceof PollOutcome.Quarantined q) {
            served = q.etag();
            message = q.reason();
        } else if (outcome instanceof PollOutcome.RolledBack r) {
            served = r.release().etag();
            errorClass = r.error().errorClass();
            message = r.error().getMessage();
        } else if (outcome instanceof PollOutcome.RollbackFailed r) {
            served = r.release().etag();
            errorClass = r.error().errorClass();
            message = r.error().getMessage();
        } else if (outcome instanceof PollOutcome.Rebooting r) {
            served = r.release().etag();
        } else if (outcome instanceof PollOutcome.Waiting w) {
            served = w.release().etag();
        } else if (outcome instanceof PollOutcome.Failed f) {
            served = f.release().map(Release::etag).orElse(null);
            errorClass = f.error().errorClass();
            message = f.error().getMessage();
        }
        try {
            dataDir.recordPoll(LastPoll.at(clock.instant(), remote, configuration, outcome.kind(), served, errorClass, message));
        } catch (LocalException e) {
            log.debug("cannot record the poll: {}", e.getMessage());
        }
        return outcome;
    }

    /** The release a rollout holds for this remote and configuration, when its unpacked tree is still there. */
    private Optional<Unpack.VerifiedFlake> held(Poll poll) {
        HostState.Gated g = poll.state().rollout();
        if (g == null || !g.remote().equals(poll.remote()) || !g.configuration().equals(poll.configuration()) || poll.force()) {
            return Optional.empty();
        }
        return dataDir.held(g.flake()).map(dir -> new Unpack.VerifiedFlake(dir, new Release(g.remote(), g.etag(), g.sha256(), g.size()),
                g.sequence() > 0 ? java.util.OptionalLong.of(g.sequence()) : java.util.OptionalLong.empty()));
    }

    private void enter(Phase next) {
        if (phase != next) {
            phase = next;
            if (next == Phase.ACTIVATING && held != null) {
                held.activating(); // a process waiting for the lock now says why it waits
            }
            phaseListener.accept(next);
        }
    }

    /** Said once, by the notice consumer (the command prints it; a log line as well would say it twice). */
    private void notice(String message) {
        log.debug("{}", message);
        options.notices().accept(message);
    }
}
