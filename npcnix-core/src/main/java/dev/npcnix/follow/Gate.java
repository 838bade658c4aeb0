package dev.npcnix.follow;

import dev.npcnix.ErrorClass;
import dev.npcnix.json.Json;
import dev.npcnix.rollout.GateRule;
import dev.npcnix.rollout.RolloutBoard;
import dev.npcnix.rollout.RolloutFile;
import dev.npcnix.rollout.RolloutPolicy;
import dev.npcnix.rollout.RolloutPolicyJson;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.StoreException;
import dev.npcnix.system.Generation;
import dev.npcnix.system.SystemException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage between {@link Unpack} and {@link Activate}, {@link Unpack.VerifiedFlake} → itself: the one place
 * where the poll asks "may I activate this release now?" (a staged rollout, docs/rollouts.md). A release
 * without a rollout policy passes untouched, with no request (signed remotes) or one read of
 * {@code <remote>.rollout.json} per new release (unsigned ones). With a policy: the host works out its
 * wave, says it joined, reads the rollout's objects in ONE listing, and either goes on (holding a lease when
 * the policy limits the in-flight hosts) or ends the poll {@link PollOutcome.Waiting}, keeping the verified
 * release in the data dir so the next polls re-evaluate the gate without downloading it again.
 *
 * <p>{@link #afterRecord} is the one place where what happened to a release it let through is told to the
 * rollout: {@code applied}, or {@code failed} (and {@code halt} when the wave's failures exceed its budget),
 * and the lease given back. A release that needs a reboot is judged after it: the gate then writes the rollout
 * into the pending record, and {@link Reconcile} tells the verdict.
 */
final class Gate implements Stage<Unpack.VerifiedFlake, Unpack.VerifiedFlake> {
    private static final Logger log = LoggerFactory.getLogger(Gate.class);
    private static final int MAX_MANIFEST_BYTES = 64 << 20;

    /** A release let through: where to report what became of it. */
    private record Passed(RolloutBoard board, RolloutPolicy policy, int wave, Optional<RolloutBoard.Lease> lease, String host,
            Release release, dev.npcnix.ConfigurationName configuration, Optional<Generation> previous) {
    }

    /** The policy a release carries and its rollout id. */
    private record Found(RolloutPolicy policy, String id) {
    }

    private final DataDir dataDir;
    private final RemoteStores stores;
    private final Clock clock;
    private final FollowOptions options;
    private final SystemChanges changes;
    private String hostId;
    private Passed passed;

    Gate(DataDir dataDir, RemoteStores stores, Clock clock, FollowOptions options, SystemChanges changes) {
        this.dataDir = dataDir;
        this.changes = changes;
        this.stores = stores;
        this.clock = clock;
        this.options = options;
    }

    @Override
    public Step<Unpack.VerifiedFlake> run(Unpack.VerifiedFlake flake, Poll poll) {
        passed = null;
        Release release = flake.release();
        HostState.Gated held = poll.state().rollout();
        if (held != null && !(held.isFor(poll.remote(), release.etag(), poll.configuration())
                && held.sha256().equals(release.sha256()))) {
            held = null; // a newer release replaces the one held
        }
        Found found;
        if (held != null) {
            found = new Found(RolloutPolicyJson.parse(held.policy().getBytes(StandardCharsets.UTF_8), "held rollout policy"),
                    held.rolloutId());
        } else {
            Optional<Found> policy = policyOf(flake, poll);
            if (policy.isEmpty()) {
                return Step.next(flake);
            }
            found = policy.get();
        }
        RemoteStore store = stores.forRemote(poll.remote());
        if (store.readOnly()) {
            log.warn("release {} of {} carries a staged rollout, but an http(s):// store cannot hold its markers: "
                    + "activating without waves (follow the s3:// or file:// address for rollouts)", release.shortId(), poll.remote());
            return Step.next(flake);
        }
        if (options.dryRun()) {
            log.info("dry run: release {} of {} is in rollout {}; not joining it", release.shortId(), poll.remote(), found.id());
            return Step.next(flake);
        }
        String host = hostId();
        RolloutPolicy policy = found.policy();
        int wave = held != null ? held.wave() : policy.waveOf(host, new HashSet<>(poll.settings().tags()), found.id());
        RolloutBoard board = new RolloutBoard(store, poll.remote(), found.id());
        RolloutBoard.Snapshot snapshot = board.snapshot();
        Instant hostNow = clock.instant();
        Instant joinedAt = held != null ? held.joinedAt() : null;
        long offset = held != null ? held.clockOffsetMillis() : 0;
        Instant listedJoin = snapshot.in(RolloutBoard.Marker.JOINED, wave).get(host);
        if (listedJoin == null) {
            try {
                board.mark(RolloutBoard.Marker.JOINED, wave, host, hostNow, null);
                joinedAt = hostNow;
            } catch (StoreException e) {
                if (snapshot.halted().isEmpty()) {
                    throw e;
                }
                // The listing in hand already says "halted": a write the store refuses must not end the poll
                // failed and leave this host a poll interval late to see the halt. It joins at its next poll.
                log.warn("rollout {} of {}: cannot say this host joined wave {} ({}); the rollout is halted", found.id(),
                        poll.remote(), wave, e.getMessage());
            }
        } else if (joinedAt != null && offset == 0 && !listedJoin.equals(Instant.EPOCH)) {
            // the store's clock minus ours, from the one object whose write time we know on both clocks
            offset = Duration.between(joinedAt, listedJoin).toMillis();
        }
        Instant storeNow = hostNow.plusMillis(offset);
        GateRule.Decision decision = GateRule.decide(policy, snapshot, wave, storeNow);
        if (decision instanceof GateRule.Decision.Open open) {
            if (open.firstToSee()) {
                board.open(wave, host, hostNow);
                log.info("rollout {} of {}: wave {} is open", found.id(), poll.remote(), wave);
            }
            Optional<RolloutBoard.Lease> lease = Optional.empty();
            if (policy.maxInFlight() > 0) {
                lease = board.takeLease(snapshot, host, storeNow, policy.leaseTtl(), policy.maxInFlight(),
                        RolloutPolicy.bucket(host, found.id()));
                if (lease.isEmpty()) {
                    // try again soon, not a poll interval later: leases are held for an activation's length;
                    // spread by the host's bucket so the waiting hosts do not all come back in the same second
                    return hold(flake, poll, held, found, wave, joinedAt, offset,
                            "all " + policy.maxInFlight() + " in-flight leases are taken", false,
                            Optional.of(hostNow.plusSeconds(5 + RolloutPolicy.bucket(host, found.id()) % 20)));
                }
            }
            log.info("rollout {} of {}: wave {} open for {}{}", found.id(), poll.remote(), wave, host,
                    lease.map(l -> ", lease " + l.slot()).orElse(""));
            passed = new Passed(board, policy, wave, lease, host, release, poll.configuration(), previousFor(policy));
            return Step.next(flake);
        }
        if (decision instanceof GateRule.Decision.Closed closed) {
            long toHostClock = offset;
            return hold(flake, poll, held, found, wave, joinedAt, offset, closed.reason(), false,
                    closed.opensAt().map(t -> t.minusMillis(toHostClock)));
        }
        String reason = held != null && held.reason() != null && held.reason().startsWith("halted") ? held.reason()
                : haltReason(board);
        return hold(flake, poll, held, found, wave, joinedAt, offset, reason, true, Optional.empty());
    }

    /**
     * Why the rollout was halted, for the host's status: one GET of {@code halt}. Best effort, as the
     * {@code joined} write: the listing proved the halt, and a failed read must not delay the host's seeing it.
     */
    private static String haltReason(RolloutBoard board) {
        try {
            return board.readHalt().map(x -> "halted by " + x.by() + (x.wave() >= 0 ? " in wave " + x.wave() : "") + ": "
                    + x.reason()).orElse("halted");
        } catch (StoreException e) {
            log.warn("rollout {}: cannot read why it was halted: {}", board.rolloutId(), e.getMessage());
            return "halted";
        }
    }

    /** Ends the poll waiting, with the release kept in the data dir. */
    private Step<Unpack.VerifiedFlake> hold(Unpack.VerifiedFlake flake, Poll poll, HostState.Gated held, Found found, int wave,
            Instant joinedAt, long offset, String reason, boolean halted, Optional<Instant> opensAt) {
        Release release = flake.release();
        HostState.Gated next;
        if (held != null) {
            next = held.withDecision(reason, offset);
        } else {
            String kept = dataDir.holdForRollout(flake.dir(), "flake-" + release.sha256().substring(0, 12));
            next = new HostState.Gated(poll.remote(), release.etag(), release.sha256(), release.size(), poll.configuration(),
                    flake.sequence().orElse(0), kept, new String(RolloutPolicyJson.toJson(found.policy()), StandardCharsets.UTF_8),
                    found.id(), wave, clock.instant(), joinedAt, offset, reason);
            log.info("release {} of {}: rollout {}, this host is in wave {} ({})", release.shortId(), poll.remote(), found.id(), wave,
                    found.policy().waves().get(wave).describe());
        }
        PollOutcome.Waiting waiting = new PollOutcome.Waiting(release, poll.configuration(), next, halted, opensAt);
        log.info("release {} of {}: {}", release.shortId(), poll.remote(), waiting.describe());
        return Step.stop(waiting, poll.seen(release.etag()));
    }

    /**
     * The release's policy: from its signed manifest when the verifier checked one (hosts that verify
     * signatures never read the rollout file: a bucket writer must not skip the waves of a signed release),
     * else from {@code <remote>.rollout.json} when it names this release.
     */
    private Optional<Found> policyOf(Unpack.VerifiedFlake flake, Poll poll) {
        if (flake.sequence().isPresent()) {
            Path manifest = flake.dir().resolve(".npcnix/manifest.json");
            try {
                if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS) || Files.size(manifest) > MAX_MANIFEST_BYTES) {
                    return Optional.empty();
                }
                Map<?, ?> m = Json.object(Json.parse(Files.readAllBytes(manifest)), "manifest");
                Object rollout = m.get("rollout");
                return rollout == null ? Optional.empty()
                        : Optional.of(new Found(RolloutPolicyJson.fromValue(rollout, "release " + flake.release().shortId()
                                + ": rollout policy"), Long.toString(flake.sequence().getAsLong())));
            } catch (IOException | IllegalArgumentException e) {
                throw new dev.npcnix.archive.ArchiveException("release " + flake.release().shortId() + ": signed manifest: "
                        + e.getMessage());
            }
        }
        // No guard for hosts with trusted keys is needed here: their verifier (built from those keys) refuses an
        // unsigned release in Unpack, so an unsigned one never reaches this line on such a host.
        Optional<RolloutFile> file = RolloutFile.read(stores.forRemote(poll.remote()), poll.remote());
        if (file.isEmpty() || !flake.release().sha256().equals(file.get().releaseSha256())) {
            return Optional.empty(); // none, or the policy of another release
        }
        return Optional.of(new Found(file.get().policy(), file.get().rolloutId()));
    }

    /**
     * After the poll's record: tells the rollout what became of the release this gate let through. A
     * failure to write is logged (the wave then waits for this host until {@code host_timeout}); it never
     * changes the poll's outcome.
     */
    void afterRecord(PollOutcome outcome) {
        Passed p = passed;
        passed = null;
        if (p == null) {
            return;
        }
        Instant now = clock.instant();
        try {
            if (outcome instanceof PollOutcome.Activated && awaitsReboot(p, now)) {
                log.info("rollout {}: this host's result is told after the reboot its release needs", p.board().rolloutId());
            } else if (outcome instanceof PollOutcome.Activated) {
                watch(p, now);
                p.board().mark(RolloutBoard.Marker.APPLIED, p.wave(), p.host(), now, null);
            } else if (outcome instanceof PollOutcome.Failed f && f.error().errorClass() == ErrorClass.DETERMINISTIC) {
                reportFailure(p, f.error().getMessage(), now);
            } else if (outcome instanceof PollOutcome.RolledBack r) { // failed its checks (or activation), undone here
                reportFailure(p, r.error().getMessage(), now);
            } else if (outcome instanceof PollOutcome.RollbackFailed r) { // failed, and could not be undone: worse
                reportFailure(p, r.error().getMessage(), now);
            }
        } catch (StoreException e) {
            log.warn("rollout {}: cannot record this host's result: {}", p.board().rolloutId(), e.getMessage());
        } finally {
            p.lease().ifPresent(lease -> {
                try {
                    p.board().releaseLease(lease);
                } catch (StoreException e) {
                    log.warn("rollout {}: cannot give back lease {} (it expires by itself): {}", p.board().rolloutId(), lease.slot(),
                            e.getMessage());
                }
            });
        }
    }

    /**
     * Whether the release is committed but judged only after a reboot (the pending record the activation kept):
     * then its verdict is {@link Reconcile}'s, and the record carries what it must tell the rollout.
     */
    private boolean awaitsReboot(Passed p, Instant now) {
        HostState state = dataDir.loadState();
        HostState.Pending pending = state.pending();
        if (pending == null || pending.phase() != HostState.Pending.Phase.REBOOT || !pending.etag().equals(p.release().etag())
                || !pending.remote().equals(p.release().remote())) {
            return false;
        }
        Instant watchUntil = p.previous().isPresent() ? HaltWatcher.bound(p.policy(), now) : null;
        dataDir.storeState(state.withPending(pending.withRollout(new HostState.Pending.Rollout(p.board().rolloutId(), p.wave(),
                p.host(), p.policy().waves().get(p.wave()).failureBudget(), watchUntil))));
        return true;
    }

    /** {@code on_halt: rollback}: the applied release is watched for a halt until its bound. */
    private void watch(Passed p, Instant now) {
        if (p.previous().isEmpty()) {
            return;
        }
        Release r = p.release();
        dataDir.storeState(dataDir.loadState().withHaltWatch(new HostState.HaltWatch(r.remote(), r.etag(), r.sha256(), r.size(),
                p.configuration(), p.board().rolloutId(), p.previous().get(), HaltWatcher.bound(p.policy(), now))));
    }

    private void reportFailure(Passed p, String message, Instant now) {
        RolloutVerdict.failed(p.board(), p.wave(), p.policy().waves().get(p.wave()).failureBudget(), p.host(), message, now);
    }

    /**
     * With {@code on_halt: rollback}, the profile's generation before the release: what a halt switches back
     * to ({@link HaltWatcher}). Read here, before anything is activated, so the plain activation path knows it
     * as well as safe activation's pending record does.
     */
    private Optional<Generation> previousFor(RolloutPolicy policy) {
        if (policy.onHalt() != RolloutPolicy.OnHalt.ROLLBACK) {
            return Optional.empty();
        }
        try {
            Optional<Generation> previous = changes.system().profileGeneration();
            if (previous.isEmpty()) {
                log.warn("no system profile generation: a halt of this rollout cannot switch this host back");
            }
            return previous;
        } catch (SystemException e) {
            log.warn("cannot read the system profile ({}): a halt of this rollout cannot switch this host back", e.getMessage());
            return Optional.empty();
        }
    }

    private String hostId() {
        if (hostId == null) {
            hostId = options.hostId().get();
        }
        return hostId;
    }
}
