package dev.npcnix.follow;

import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.StoreException;
import dev.npcnix.rollout.RolloutBoard;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.system.Generation;
import dev.npcnix.system.SystemException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code on_halt: rollback}: after a release whose rollout policy says so is applied, each poll (until the
 * watch's bound, {@link #bound}) reads the rollout's {@code halt} object, one GET; when the rollout is halted
 * the host switches back to the generation it ran before the release ({@link SystemChanges#switchBack}, the
 * way back safe activation uses after a failed reboot), quarantines the release and ends the poll
 * {@link PollOutcome.RolledBack} with cause "rollout halted". Nothing is written to the rollout board: a
 * host that switches back because of a halt is not a new failure (it would count against a wave again
 * after a resume). Hosts whose policy says {@code stay}, or without a rollout, never get a watch and pay
 * nothing.
 */
final class HaltWatcher {
    private static final Logger log = LoggerFactory.getLogger(HaltWatcher.class);

    private final DataDir dataDir;
    private final RemoteStores stores;
    private final Clock clock;
    private final SystemChanges changes;
    private final Recorder recorder;

    HaltWatcher(DataDir dataDir, RemoteStores stores, Clock clock, SystemChanges changes, Recorder recorder) {
        this.dataDir = dataDir;
        this.stores = stores;
        this.clock = clock;
        this.changes = changes;
        this.recorder = recorder;
    }

    /**
     * How long a host watches a release it applied at {@code appliedAt}: every wave's soak plus one
     * {@code host_timeout} per wave (what the slowest rollout the policy allows takes to reach its last
     * wave and soak it), counted from this host's apply. Past it the rollout is over; a later halt is not
     * acted on.
     */
    static Instant bound(RolloutPolicy policy, Instant appliedAt) {
        Duration d = policy.hostTimeout().multipliedBy(policy.waves().size());
        for (RolloutPolicy.Wave w : policy.waves()) {
            d = d.plus(w.soak());
        }
        return appliedAt.plus(d);
    }

    /**
     * @param recording called before an outcome is recorded (the phase change)
     * @return {@link PollOutcome.RolledBack} (or {@link PollOutcome.RollbackFailed}) when a halt switched the
     *     host back, else empty: the poll goes on
     */
    Optional<PollOutcome> run(Settings settings, HostState state, Workspace workspace, Runnable recording) {
        HostState.HaltWatch w = state.haltWatch();
        if (w == null || state.pending() != null) {
            return Optional.empty(); // a reboot of the release still pending: the reconcile deals with it first
        }
        if (!clock.instant().isBefore(w.until()) || !settings.remote().filter(w.remote()::equals).isPresent()) {
            log.info("rollout {} of {}: no longer watched for a halt ({})", w.rolloutId(), w.remote(),
                    clock.instant().isBefore(w.until()) ? "the remote changed" : "its bound " + w.until() + " passed");
            dataDir.storeState(dataDir.loadState().withHaltWatch(null));
            return Optional.empty();
        }
        Optional<RolloutBoard.Halt> halt;
        try {
            halt = new RolloutBoard(stores.forRemote(w.remote()), w.remote(), w.rolloutId()).readHalt();
        } catch (StoreException e) {
            log.warn("rollout {} of {}: cannot read its halt object: {}", w.rolloutId(), w.remote(), e.getMessage());
            return Optional.empty();
        }
        if (halt.isEmpty()) {
            return Optional.empty();
        }
        recording.run();
        Release release = new Release(w.remote(), w.etag(), w.sha256(), w.size());
        Generation previous = w.previous();
        String reason = "rollout halted (by " + halt.get().by() + ": " + halt.get().reason() + ")";
        String what = "release " + release.shortId() + " of " + w.remote();
        log.warn("{}: {}; policy on_halt rollback: switching back to generation {}", what, reason, previous.number());
        UnhealthyException outcome;
        try {
            changes.switchBack(previous, true);
            Optional<Path> now = changes.system().currentSystem();
            if (now.isPresent() && !now.get().equals(previous.toplevel())) {
                throw new SystemException("the current system is " + now.get() + " after the rollback, not " + previous.toplevel(),
                        null);
            }
            outcome = new UnhealthyException(what + ": " + reason + "; rolled back to generation " + previous.number(),
                    List.of("rollout halted"), List.of(), false, null);
            // what runs is no longer the release: a retry (or a resume and a new release) applies it again
            dataDir.storeSettings(dataDir.loadSettings().withLastReconfiguration(clock.instant(), null, w.configuration()));
        } catch (SystemException e) {
            outcome = new UnhealthyException(what + ": " + reason + "; rollback to generation " + previous.number() + " failed: "
                    + e.getMessage(), List.of("rollout halted"), List.of(), true, e);
        }
        dataDir.storeState(dataDir.loadState().withHaltWatch(null));
        Poll poll = new Poll(w.remote(), w.configuration(), settings, dataDir.loadState(), Optional.empty(), false, clock.instant(),
                workspace);
        return Optional.of(recorder.failed(Optional.of(release), outcome, poll, () -> { }));
    }
}
