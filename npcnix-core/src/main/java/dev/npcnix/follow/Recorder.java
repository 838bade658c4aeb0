package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;
import dev.npcnix.health.CheckResult;
import dev.npcnix.local.LocalException;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage: what the poll did, written to the data dir ({@code config.json} says what is applied,
 * {@code state.json} keeps the attempt, the quarantine, the release dealt with, the checks' results and
 * the pending trial, in one atomic write). A dry run writes nothing and remembers the release it dealt
 * with in memory only. Also the one that knows which ETag the next poll sends, since it is what was
 * recorded.
 */
final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    private final DataDir dataDir;
    private final Clock clock;
    private final FollowOptions options;
    /** What a dry run would have recorded as {@code last_seen}. */
    private HostState.LastSeen dryRunLastSeen;

    Recorder(DataDir dataDir, Clock clock, FollowOptions options) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.options = options;
    }

    /**
     * The ETag to ask the store about: the release last dealt with while it still stands (it is the one
     * applied, or it is quarantined), else the one last applied. A local {@code npcnix activate} since
     * (applied: nothing) or a {@code npcnix retry} makes the release last dealt with stale: the next poll
     * downloads the remote's release again.
     */
    Optional<Etag> known(Settings settings, HostState state, RemoteUri remote, ConfigurationName configuration) {
        Optional<Etag> applied = settings.lastApplied(configuration) ? settings.lastEtag() : Optional.empty();
        HostState.LastSeen seen = options.dryRun() && dryRunLastSeen != null ? dryRunLastSeen : state.lastSeen();
        if (seen != null && seen.isFor(remote, configuration) && seen.etag() != null
                && (options.dryRun() || applied.filter(seen.etag()::equals).isPresent()
                        || state.quarantineFor(remote, seen.etag(), null, configuration).isPresent())) {
            return Optional.of(seen.etag());
        }
        return applied;
    }

    /** A release applied: config.json first (it says what is applied), then the attempt in state.json. */
    PollOutcome activated(Activate.Activation activation, Poll poll) {
        Release release = activation.release();
        if (options.dryRun()) {
            dryRunLastSeen = poll.seen(release.etag());
        } else {
            // A crash before state.json is written loses only a history line.
            dataDir.storeSettings(dataDir.loadSettings().withLastReconfiguration(clock.instant(), release.etag(),
                    poll.configuration()));
            // state.json as it is now, not as the poll found it: `npcnix retry` takes no lock and may
            // have run during a long activation
            HostState next = dataDir.loadState()
                    .withAttempt(attempt(poll, activation.took(), release, HostState.Result.ACTIVATED, null, activation.checks()))
                    .withLastSeen(poll.seen(release.etag()))
                    .withPending(activation.keep())
                    .withRollout(null)
                    .withHaltWatch(null); // the gate watches the new release, when its rollout asks for it
            if (!activation.checks().isEmpty()) {
                next = next.withChecks(activation.checks());
            }
            if (activation.sequence().isPresent()) {
                next = next.withHighestSequence(activation.sequence().getAsLong());
            }
            dataDir.storeState(next);
            log.info("activated release {} of {} as {} in {} s{}", release.shortId(), poll.remote(), poll.configuration(),
                    activation.took().toSeconds(), activation.checks().isEmpty() ? "" : ", all " + activation.checks().size()
                            + " checks passed");
            releaseHeld(poll);
        }
        return new PollOutcome.Activated(release, poll.configuration(), activation.took(), activation.checks(),
                activation.reboot());
    }

    /**
     * The poll ended early: remembers the release it dealt with, if it changed, and the release a rollout
     * holds back (a held release the remote no longer has is let go).
     */
    PollOutcome stopped(Step.Stop<?> stop, Poll poll) {
        HostState.Gated held = stop.outcome() instanceof PollOutcome.Waiting w ? w.held() : null;
        boolean letGo = held == null && poll.state().rollout() != null && stop.seen().isPresent()
                && !stop.seen().get().etag().equals(poll.state().rollout().etag());
        if (options.dryRun()) {
            stop.seen().ifPresent(seen -> dryRunLastSeen = seen);
        } else if (held != null || letGo || stop.seen().filter(seen -> !seen.equals(poll.state().lastSeen())).isPresent()) {
            HostState next = dataDir.loadState();
            if (stop.seen().isPresent()) {
                next = next.withLastSeen(stop.seen().get());
            }
            if (held != null || letGo) {
                next = next.withRollout(held);
            }
            if (!next.equals(dataDir.loadState())) {
                dataDir.storeState(next);
            }
            if (letGo) {
                releaseHeld(poll);
            }
        }
        return stop.outcome();
    }

    /** Removes the tree a rollout held, once it is applied or let go. */
    private void releaseHeld(Poll poll) {
        if (poll.state().rollout() != null) {
            try {
                dataDir.releaseHeld();
            } catch (RuntimeException e) {
                log.warn("cannot remove the release the rollout held: {}", e.getMessage());
            }
        }
    }

    /**
     * A failed poll. Without a release (the store failed before it was read) nothing is recorded. Otherwise the attempt is;
     * a deterministic failure also quarantines the release; an interrupted activation is only kept in the
     * history, so the next poll tries the same release again. Nothing is logged above DEBUG here: the
     * caller that decides what comes next (the daemon's loop, bootstrap, a one-shot run) says it once
     * ({@link PollOutcome#summary()}). A failure to record a local failure (the disk that just filled up)
     * is logged, not thrown: the poll's outcome is the first failure.
     */
    PollOutcome failed(Optional<Release> known, NpcnixException e, Poll poll, Runnable recording) {
        Duration took = Duration.between(poll.started(), clock.instant());
        ErrorClass errorClass = e.errorClass();
        if (errorClass == ErrorClass.TRANSIENT && known.isPresent() && known.get().sha256() == null) {
            known = Optional.empty(); // the store failed before the release was read: an outage, not an attempt
        }
        if (known.isEmpty()) {
            log.debug("poll of {} failed ({}): {}", poll.remote(), errorClass, e.getMessage());
            return new PollOutcome.Failed(Optional.empty(), e);
        }
        Release release = known.get();
        if (e instanceof InterruptedTrialException i && i.leavesTrial()) {
            // stopped while the trial system runs: the pending record stays for the next start to finish
            log.warn("release {} of {}: {}; the next start finishes the trial", release.shortId(), poll.remote(), e.getMessage());
            return new PollOutcome.Failed(known, e);
        }
        UnhealthyException unhealthy = e instanceof UnhealthyException u ? u : null;
        // an interruption counts against the release only when no stop was requested (a crash, a reboot by itself)
        boolean counted = errorClass == ErrorClass.INTERRUPTED && !e.stopRequested();
        long interruptedBefore = counted
                ? dataDir.loadState().interruptions(poll.remote(), release.etag(), release.sha256(), poll.configuration()) : 0;
        boolean quarantine = errorClass == ErrorClass.DETERMINISTIC || errorClass == ErrorClass.UNHEALTHY
                || (counted && interruptedBefore >= 1);
        log.debug("release {} of {} failed for {} ({}): {}", release.shortId(), poll.remote(), poll.configuration(),
                errorClass, e.getMessage());
        if (counted && quarantine) {
            // the one case the outcome's summary cannot tell: said here, once, as it happens
            log.warn("release {} of {}: interrupted a second time without a stop request: quarantined (publish a fix, or npcnix"
                    + " retry)", release.shortId(), poll.remote());
        }
        if (!options.dryRun()) {
            recording.run();
            try {
                HostState now = dataDir.loadState(); // as it is now (see above)
                List<CheckResult> checks = unhealthy == null ? List.of() : unhealthy.checks();
                HostState.Result result = unhealthy == null ? HostState.Result.FAILED
                        : unhealthy.rollbackFailed() ? HostState.Result.ROLLBACK_FAILED : HostState.Result.ROLLED_BACK;
                HostState next = now.withAttempt(attempt(poll, took, release, result, e, checks))
                        .withPending(pendingAfterFailure(poll.state().pending(), release));
                if (!checks.isEmpty()) {
                    next = next.withChecks(checks);
                }
                if (quarantine) {
                    next = next.withRollout(null).withQuarantine(new HostState.Quarantine(poll.remote(), release.etag(), release.sha256(),
                            poll.configuration(), clock.instant(), e.getMessage()))
                            .withLastSeen(poll.seen(release.etag()));
                }
                dataDir.storeState(next);
            } catch (LocalException recordFailure) {
                log.warn("cannot record the failure: {}", recordFailure.getMessage());
                // Not quarantined after all: the next poll tries the release again, after a local backoff.
                return new PollOutcome.Failed(known, errorClass == ErrorClass.LOCAL ? e : recordFailure);
            }
        }
        if (unhealthy != null) {
            return unhealthy.rollbackFailed()
                    ? new PollOutcome.RollbackFailed(release, poll.configuration(), unhealthy.failing(), e)
                    : new PollOutcome.RolledBack(release, poll.configuration(), unhealthy.failing(), e);
        }
        return new PollOutcome.Failed(known, e);
    }

    /**
     * What stays pending after a failed attempt: a reboot that an earlier, committed release was waiting
     * for (its window) when the poll started survives this release's failure; this release's own trial
     * record does not.
     */
    private static HostState.Pending pendingAfterFailure(HostState.Pending pending, Release release) {
        if (pending != null && pending.phase() == HostState.Pending.Phase.REBOOT
                && !(pending.etag().equals(release.etag()) && pending.remote().equals(release.remote()))) {
            return pending;
        }
        return null;
    }

    private HostState.Attempt attempt(Poll poll, Duration took, Release release, HostState.Result result,
            NpcnixException error, List<CheckResult> checks) {
        return new HostState.Attempt(poll.started(), took.toMillis(), release.remote(), release.etag(), release.sha256(),
                poll.configuration(), options.operation(), result, error == null ? null : error.errorClass(),
                error == null ? null : error.getMessage(), checks,
                error != null && error.errorClass() == ErrorClass.INTERRUPTED && error.stopRequested());
    }
}
