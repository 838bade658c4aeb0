package dev.npcnix.state;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.CheckResult;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.system.Generation;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What only we track, {@code state.json}: recent activation attempts, quarantined releases, the highest
 * release sequence number accepted (anti-downgrade), the release last looked at (so a poll asks the
 * store only for something newer), and for safe activation: the trial in progress, the last health-check
 * results and this boot's verdict. Immutable; {@code with*} return new values.
 *
 * @param history the most recent attempts, oldest first, at most {@link #MAX_HISTORY}
 * @param quarantined releases that failed deterministically and are not tried again until a new release
 *     or {@code npcnix retry}
 * @param highestSequence highest manifest sequence number accepted; 0 when none
 * @param lastSeen the release last fetched and dealt with (applied, quarantined, or equal to the applied
 *     one); null when none
 * @param pending the trial (or reboot) in progress, written before it starts; null when none
 * @param checks the last health-check results, one per check; empty when none ran
 * @param bootCheck what the checks said about this boot (or the last one assessed); null when never
 * @param rollout the release held by a staged rollout's gate, kept unpacked and verified in the data dir;
 *     null when none
 * @param haltWatch the applied release whose rollout says {@code on_halt: rollback}, watched for a halt until
 *     its bound; null when none (and always for {@code stay})
 */
public record HostState(List<Attempt> history, List<Quarantine> quarantined, long highestSequence, LastSeen lastSeen,
        Pending pending, List<CheckResult> checks, BootCheck bootCheck, Gated rollout, HaltWatch haltWatch) {
    public static final int MAX_HISTORY = 50;

    public HostState {
        history = history == null ? List.of() : List.copyOf(history);
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    public HostState(List<Attempt> history, List<Quarantine> quarantined, long highestSequence, LastSeen lastSeen) {
        this(history, quarantined, highestSequence, lastSeen, null, List.of(), null, null, null);
    }

    public static HostState empty() {
        return new HostState(List.of(), List.of(), 0, null, null, List.of(), null, null, null);
    }

    /**
     * A release a staged rollout holds back: downloaded, unpacked and verified once, kept in the data dir
     * ({@code flake}, relative to it) while the gate is re-evaluated at each poll.
     *
     * @param sequence the signed manifest's sequence, 0 when unsigned
     * @param policy the rollout policy as JSON (read once per release: from the signed manifest or the rollout file)
     * @param rolloutId the rollout's id ({@code <remote>.rollout/<id>/})
     * @param wave this host's wave
     * @param since when the host first waited for it (its own clock)
     * @param joinedAt when it wrote its {@code joined} marker (its own clock), to estimate the store's clock
     * @param clockOffsetMillis the store's clock minus this host's, estimated from that marker; 0 until known
     * @param reason why it waits, as last decided
     */
    public record Gated(RemoteUri remote, Etag etag, String sha256, long size, ConfigurationName configuration, long sequence,
            String flake, String policy, String rolloutId, int wave, Instant since, Instant joinedAt, long clockOffsetMillis,
            String reason) {
        /** Whether this is the release {@code etag} of {@code r} for {@code c}. */
        public boolean isFor(RemoteUri r, Etag e, ConfigurationName c) {
            return remote.equals(r) && etag.equals(e) && configuration.equals(c);
        }

        public Gated withDecision(String newReason, long newOffsetMillis) {
            return new Gated(remote, etag, sha256, size, configuration, sequence, flake, policy, rolloutId, wave, since, joinedAt,
                    newOffsetMillis, newReason);
        }
    }

    /**
     * An applied release whose rollout policy says {@code on_halt: rollback}: each poll until {@code until}
     * reads the rollout's {@code halt} object, and a halt switches the host back to {@code previous}.
     *
     * @param rolloutId the rollout's id ({@code <remote>.rollout/<id>/})
     * @param previous the profile's generation before the release was applied: what a halt switches back to
     * @param until when the watch ends (this host's clock): the rollout is over by then
     */
    public record HaltWatch(RemoteUri remote, Etag etag, String sha256, long size, ConfigurationName configuration, String rolloutId,
            Generation previous, Instant until) {
        public HaltWatch {
            Objects.requireNonNull(previous, "previous");
        }
    }

    /**
     * How an attempt ended. {@code ROLLED_BACK}: applied, failed its checks (or its activation), and the
     * previous generation is running again; {@code ROLLBACK_FAILED}: the same, but re-activating the
     * previous generation failed too (an operator must look).
     */
    public enum Result { ACTIVATED, FAILED, ROLLED_BACK, ROLLBACK_FAILED }

    /**
     * One try to apply a release.
     *
     * @param sha256 hex SHA-256 of the packed release; null when it was refused before it was read
     * @param errorClass for failures, null otherwise
     * @param message the failure's one-line message, null otherwise
     * @param checks the health checks' results that decided it; empty without checks
     * @param stopRequested an {@code interrupted} attempt whose stop the daemon saw requested (a SIGTERM or
     *     shutdown): it never counts against the release, unlike one found only afterwards
     */
    public record Attempt(Instant startedAt, long durationMillis, RemoteUri remote, Etag etag, String sha256,
            ConfigurationName configuration, Operation operation, Result result, ErrorClass errorClass, String message,
            List<CheckResult> checks, boolean stopRequested) {
        public Attempt {
            checks = checks == null ? List.of() : List.copyOf(checks);
        }

        /** An attempt that no requested stop cut short. */
        public Attempt(Instant startedAt, long durationMillis, RemoteUri remote, Etag etag, String sha256,
                ConfigurationName configuration, Operation operation, Result result, ErrorClass errorClass, String message,
                List<CheckResult> checks) {
            this(startedAt, durationMillis, remote, etag, sha256, configuration, operation, result, errorClass, message, checks,
                    false);
        }

        /** An attempt without health checks. */
        public Attempt(Instant startedAt, long durationMillis, RemoteUri remote, Etag etag, String sha256,
                ConfigurationName configuration, Operation operation, Result result, ErrorClass errorClass, String message) {
            this(startedAt, durationMillis, remote, etag, sha256, configuration, operation, result, errorClass, message, List.of());
        }
    }

    /**
     * A trial (or a reboot it needs) in progress, written atomically before each step that changes the
     * system, so a kill, a stop or a reboot at any moment is reconciled at the next start.
     *
     * @param sequence the release's signed sequence number; 0 when unsigned
     * @param bootId the boot the record was written in: a different one at the next start means a reboot happened
     * @param previous the profile's generation before the trial: what a rollback re-activates
     * @param previousCurrent the running system before the trial
     * @param trial the release's system toplevel, once known (read from the current-system link after the trial)
     * @param failing the checks that failed, once a rollback is decided
     * @param reason why the rollback was decided, once it is
     * @param reboots reboots asked for this release (at most one forward, one back)
     * @param rollout the rollout wave that let the release through and waits for its verdict after the reboot;
     *     null when it has none (or the verdict was told already)
     */
    public record Pending(Phase phase, RemoteUri remote, Etag etag, String sha256, long size, ConfigurationName configuration,
            Operation operation, long sequence, Instant startedAt, String bootId, Generation previous, Path previousCurrent,
            Path trial, List<String> failing, String reason, int reboots, Rollout rollout) {
        public Pending {
            Objects.requireNonNull(phase, "phase");
            failing = failing == null ? List.of() : List.copyOf(failing);
        }

        /** A trial outside any rollout (the gate adds the rollout once it knows the release waits for a reboot). */
        public Pending(Phase phase, RemoteUri remote, Etag etag, String sha256, long size, ConfigurationName configuration,
                Operation operation, long sequence, Instant startedAt, String bootId, Generation previous, Path previousCurrent,
                Path trial, List<String> failing, String reason, int reboots) {
            this(phase, remote, etag, sha256, size, configuration, operation, sequence, startedAt, bootId, previous, previousCurrent,
                    trial, failing, reason, reboots, null);
        }

        /**
         * What the verdict after the reboot must be told to: the rollout's id and this host's wave (its markers
         * {@code applied/<wave>/<host>} or {@code failed/<wave>/<host>}), the wave's failure budget (over it, the
         * failure halts the rollout), and with {@code on_halt: rollback} until when the applied release is watched
         * for a halt (null otherwise).
         */
        public record Rollout(String rolloutId, int wave, String host, int failureBudget, Instant watchUntil) {
            public Rollout {
                Objects.requireNonNull(rolloutId, "rolloutId");
                Objects.requireNonNull(host, "host");
            }
        }

        /** The same record, waiting for a rollout's verdict ({@code null}: for none). */
        public Pending withRollout(Rollout next) {
            return new Pending(phase, remote, etag, sha256, size, configuration, operation, sequence, startedAt, bootId, previous,
                    previousCurrent, trial, failing, reason, reboots, next);
        }

        /** Where a trial is. */
        public enum Phase {
            /** {@code nixos-rebuild test} (or {@code boot}) is about to run or running. */
            TRIAL,
            /** The release's system runs, not yet committed; the checks decide. */
            CHECKING,
            /** The checks passed; the profile and the boot entry are being set to the trial system. */
            COMMITTING,
            /** The checks failed; the previous generation is being re-activated. */
            ROLLING_BACK,
            /** Committed; a reboot into it is due (or pending until the window), then the checks run again. */
            REBOOT,
            /** The checks failed after the reboot; the boot default is back on the previous generation and a reboot is due. */
            ROLLBACK_REBOOT
        }

        public Pending withPhase(Phase next) {
            return new Pending(next, remote, etag, sha256, size, configuration, operation, sequence, startedAt, bootId, previous,
                    previousCurrent, trial, failing, reason, reboots, rollout);
        }

        public Pending withTrial(Path toplevel) {
            return new Pending(phase, remote, etag, sha256, size, configuration, operation, sequence, startedAt, bootId, previous,
                    previousCurrent, toplevel, failing, reason, reboots, rollout);
        }

        /** A rollback decided: the failing checks and why. */
        public Pending failed(Phase next, List<String> failingChecks, String why) {
            return new Pending(next, remote, etag, sha256, size, configuration, operation, sequence, startedAt, bootId, previous,
                    previousCurrent, trial, failingChecks, why, reboots, rollout);
        }

        /** A reboot is being asked for from boot {@code inBoot}. */
        public Pending rebooting(Phase next, String inBoot) {
            return new Pending(next, remote, etag, sha256, size, configuration, operation, sequence, startedAt, inBoot, previous,
                    previousCurrent, trial, failing, reason, reboots + 1, rollout);
        }

        /** The same record, now known in boot {@code inBoot} (nothing asked of the system since). */
        public Pending inBoot(String inBoot) {
            return new Pending(phase, remote, etag, sha256, size, configuration, operation, sequence, startedAt, inBoot, previous,
                    previousCurrent, trial, failing, reason, reboots, rollout);
        }
    }

    /**
     * The checks' verdict on one boot: the boot of a new generation is good only if they passed
     * ({@code npcnix check --boot}, ordered before {@code boot-complete.target}, waits for it).
     */
    public record BootCheck(String bootId, Path system, boolean passed, Instant at) {
    }

    /** A release (by ETag and content hash) that must not be tried again for {@code configuration}. */
    public record Quarantine(RemoteUri remote, Etag etag, String sha256, ConfigurationName configuration, Instant at,
            String reason) {
        boolean matches(RemoteUri otherRemote, Etag otherEtag, String otherSha256, ConfigurationName otherConfiguration) {
            return Objects.equals(configuration, otherConfiguration)
                    && Objects.equals(remote, otherRemote)
                    && (Objects.equals(etag, otherEtag) || (sha256 != null && sha256.equals(otherSha256)));
        }
    }

    /** The release a poll last dealt with: the next poll asks the store for anything but this. */
    public record LastSeen(RemoteUri remote, Etag etag, ConfigurationName configuration) {
        /** Whether this is what a poll of {@code r} for {@code c} last dealt with. */
        public boolean isFor(RemoteUri r, ConfigurationName c) {
            return r.equals(remote) && c.equals(configuration);
        }
    }

    public HostState withAttempt(Attempt attempt) {
        List<Attempt> h = new ArrayList<>(history);
        h.add(attempt);
        while (h.size() > MAX_HISTORY) {
            h.remove(0);
        }
        return new HostState(h, quarantined, highestSequence, lastSeen, pending, checks, bootCheck, rollout, haltWatch);
    }

    public HostState withQuarantine(Quarantine q) {
        List<Quarantine> qs = new ArrayList<>(quarantined);
        qs.removeIf(old -> old.matches(q.remote(), q.etag(), q.sha256(), q.configuration()));
        qs.add(q);
        while (qs.size() > MAX_HISTORY) {
            qs.remove(0);
        }
        return new HostState(history, qs, highestSequence, lastSeen, pending, checks, bootCheck, rollout, haltWatch);
    }

    /** Forgets every quarantine and the last seen release: the next poll downloads and tries again. */
    public HostState withoutQuarantine() {
        return new HostState(history, List.of(), highestSequence, null, pending, checks, bootCheck, rollout, haltWatch);
    }

    public HostState withLastSeen(LastSeen seen) {
        return new HostState(history, quarantined, highestSequence, seen, pending, checks, bootCheck, rollout, haltWatch);
    }

    public HostState withHighestSequence(long sequence) {
        return new HostState(history, quarantined, Math.max(highestSequence, sequence), lastSeen, pending, checks, bootCheck, rollout, haltWatch);
    }

    /** The trial in progress; null clears it. */
    public HostState withPending(Pending next) {
        return new HostState(history, quarantined, highestSequence, lastSeen, next, checks, bootCheck, rollout, haltWatch);
    }

    /** The last health-check results. */
    public HostState withChecks(List<CheckResult> results) {
        return new HostState(history, quarantined, highestSequence, lastSeen, pending, results, bootCheck, rollout, haltWatch);
    }

    public HostState withBootCheck(BootCheck verdict) {
        return new HostState(history, quarantined, highestSequence, lastSeen, pending, checks, verdict, rollout, haltWatch);
    }

    /**
     * Attempts of this release for this configuration that a kill, crash or reboot cut short without a stop
     * the daemon saw requested: those count against the release (a stop that was asked for never does).
     */
    public long interruptions(RemoteUri remote, Etag etag, String sha256, ConfigurationName configuration) {
        return history.stream()
                .filter(a -> a.errorClass() == ErrorClass.INTERRUPTED && !a.stopRequested() && configuration.equals(a.configuration())
                        && remote.equals(a.remote())
                        && (etag.equals(a.etag()) || (sha256 != null && sha256.equals(a.sha256()))))
                .count();
    }

    /** Holds {@code gated} back for a rollout (null: nothing held). */
    public HostState withRollout(Gated gated) {
        return new HostState(history, quarantined, highestSequence, lastSeen, pending, checks, bootCheck, gated, haltWatch);
    }

    /** Watches {@code watch} for its rollout's halt (null: nothing watched). */
    public HostState withHaltWatch(HaltWatch watch) {
        return new HostState(history, quarantined, highestSequence, lastSeen, pending, checks, bootCheck, rollout, watch);
    }

    /** The quarantine entry for this release (by ETag, or by content when the hash is known) and configuration. */
    public Optional<Quarantine> quarantineFor(RemoteUri remote, Etag etag, String sha256, ConfigurationName configuration) {
        return quarantined.stream().filter(q -> q.matches(remote, etag, sha256, configuration)).findFirst();
    }

    public Optional<Attempt> lastAttempt() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }
}
