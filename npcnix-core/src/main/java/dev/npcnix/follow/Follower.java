package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.StateException;
import dev.npcnix.activate.Activator;
import dev.npcnix.state.ActivationLock;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll step ({@link #pollOnce()}): with the activation lock held, load settings and state, then run
 * the stages in order, each with one typed input and output: {@link Fetch} (one conditional request, no
 * body when unchanged) → {@link Download} (a {@link Release} in {@code tmp/}, ETag and SHA-256) →
 * {@link Screen} (quarantined, or applied already) → {@link Unpack} (unpacked and verified in one hashing
 * pass) → {@link Gate} (a staged rollout's wave, halt and leases) → {@link Activate} → {@link Recorder}
 * (written atomically). A release the gate holds back stays verified in the data dir: while the remote
 * still has it, the next poll goes from the conditional GET straight to the gate. Synchronous; returns a
 * {@link PollOutcome} and never throws for a failure the loop should survive.
 *
 * <p>Where the next stages go: safe
 * activation (trial, checks, commit or rollback) in place of {@code activate}, its checks carried by
 * {@link Activate.Activation}; reports, metrics and hooks after the record, as observers of the outcome.
 */
public final class Follower {
    private static final Logger log = LoggerFactory.getLogger(Follower.class);

    /** Where a poll is; the daemon defers a shutdown while {@link #ACTIVATING} or {@link #RECORDING}. */
    public enum Phase { IDLE, FETCHING, UNPACKING, GATING, ACTIVATING, RECORDING }

    private final DataDir dataDir;
    private final Clock clock;
    private final FollowOptions options;
    private final Fetch fetch;
    private final Download download;
    private final Screen screen;
    private final Unpack unpack;
    private final Gate gate;
    private final Activate activate;
    private final Recorder recorder;
    private volatile Phase phase = Phase.IDLE;
    private Consumer<Phase> phaseListener = p -> { };
    private boolean ignoreEtagPending;

    public Follower(DataDir dataDir, RemoteStores stores, Activator activator, Clock clock, FollowOptions options) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.options = options;
        this.fetch = new Fetch(stores);
        this.download = new Download(options.maxDownloadBytes());
        this.screen = new Screen();
        this.unpack = new Unpack(options.limits(), options.verifier());
        this.gate = new Gate(dataDir, stores, clock, options);
        this.activate = new Activate(activator, clock, options);
        this.recorder = new Recorder(dataDir, clock, options);
        this.ignoreEtagPending = options.ignoreEtag();
    }

    /** Tells {@code listener} about every phase change (called on the polling thread). */
    public void onPhase(Consumer<Phase> listener) {
        this.phaseListener = listener;
    }

    public Phase phase() {
        return phase;
    }

    /** One poll for the configured configuration. */
    public PollOutcome pollOnce() {
        return pollOnce(Optional.empty());
    }

    /** One poll, applying {@code configurationOverride} instead of the configured one when given. */
    public PollOutcome pollOnce(Optional<ConfigurationName> configurationOverride) {
        try (ActivationLock lock = dataDir.lockActivation(options.waitForLock(), this::notice)) {
            return pollLocked(configurationOverride);
        } finally {
            enter(Phase.IDLE);
        }
    }

    private PollOutcome pollLocked(Optional<ConfigurationName> configurationOverride) {
        Settings settings = dataDir.loadSettings();
        HostState state = dataDir.loadState();
        Optional<Pause> pause = settings.pauseAt(clock.instant());
        if (pause.isPresent()) {
            log.info("{}: not polling", pause.get());
            return new PollOutcome.Paused(pause.get());
        }
        RemoteUri remote = settings.remote().orElseThrow(() -> new StateException(
                "host not bootstrapped: no remote set (run npcnix bootstrap, or npcnix config set remote URI)"));
        ConfigurationName configuration = configurationOverride.or(settings::configuration).orElseThrow(() -> new StateException(
                "host not bootstrapped: no configuration set (run npcnix bootstrap, or npcnix config set configuration NAME)"));
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
            return outcome;
        }
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
            phaseListener.accept(next);
        }
    }

    private void notice(String message) {
        log.info("{}", message);
        options.notices().accept(message);
    }
}
