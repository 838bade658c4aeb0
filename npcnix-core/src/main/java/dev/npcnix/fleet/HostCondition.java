package dev.npcnix.fleet;

import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * A host's state in one word, as its report says it and as {@code fleet status} shows it. The host
 * decides the words it can know ({@link #ofHost}); the fleet view adds what only a reader knows: whether
 * the applied release is the remote's current one ({@code behind}) and whether the host still reports
 * ({@code silent}, {@link #inFleet}).
 */
public enum HostCondition {
    /** The host applied the release the remote holds. */
    IN_SYNC,
    /** The remote holds a release this host has not applied yet (it will at its next poll). */
    BEHIND,
    /** An activation is running now. */
    ACTIVATING,
    /** The last poll failed: the store, the download, the release or its activation. */
    FAILING,
    /** The remote's release failed its health checks here and was rolled back (safe activation). */
    ROLLED_BACK,
    /** The remote's release failed here before and is skipped until a new one or {@code npcnix retry}. */
    QUARANTINED,
    /** Paused by {@code npcnix pause}. */
    PAUSED,
    /** A new generation waits for a reboot (safe activation's reboot window). */
    REBOOT_PENDING,
    /** The host's report is overdue: it stopped, lost its store, or cannot write. */
    SILENT,
    /** No remote or configuration set yet. */
    NOT_BOOTSTRAPPED;

    /** As JSON has it: {@code in_sync}. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** As people read it: {@code in sync}. */
    public String words() {
        return json().replace('_', ' ');
    }

    /** From {@link #json()} (or the words); null for null. */
    public static HostCondition parse(String text) {
        return text == null ? null : valueOf(text.strip().replace(' ', '_').toUpperCase(Locale.ROOT));
    }

    /** Whether {@code fleet status} exits 1 for a host in this state: the fleet is not converging on the release. */
    public boolean isFailure() {
        return this == FAILING || this == ROLLED_BACK || this == QUARANTINED || this == SILENT;
    }

    /**
     * What the host knows of itself after a poll ({@code last}, empty before the first one).
     *
     * @param activating an activation is running
     */
    public static HostCondition ofHost(Settings settings, HostState state, Optional<PollOutcome> last, boolean activating,
            Instant now) {
        if (settings.remote().isEmpty() || settings.configuration().isEmpty()) {
            return NOT_BOOTSTRAPPED;
        }
        if (activating) {
            return ACTIVATING;
        }
        if (settings.pauseAt(now).isPresent()) {
            return PAUSED;
        }
        if (last.isPresent() && last.get() instanceof PollOutcome.Failed) {
            return FAILING;
        }
        HostState.LastSeen seen = state.lastSeen();
        if (seen != null && seen.isFor(settings.remote().get(), settings.configuration().get()) && seen.etag() != null) {
            Optional<HostState.Attempt> attempt = state.lastAttempt();
            if (attempt.isPresent() && attempt.get().result() == HostState.Result.ROLLED_BACK
                    && seen.etag().equals(attempt.get().etag())) {
                return ROLLED_BACK;
            }
            if (state.quarantineFor(seen.remote(), seen.etag(), null, seen.configuration()).isPresent()) {
                return QUARANTINED;
            }
        }
        return IN_SYNC;
    }

    /**
     * What a reader of the report sees: {@code silent} when the report is older than
     * {@link #silentAfter} its host's report interval, {@code behind} when the host thinks it is in sync but
     * applied another release than the remote's {@code current} one.
     */
    public static HostCondition inFleet(HostReport report, Optional<Etag> current, Instant now) {
        if (Duration.between(report.reportedAt(), now).compareTo(silentAfter(report.reportInterval())) > 0) {
            return SILENT;
        }
        if (report.state() == IN_SYNC || report.state() == BEHIND) {
            if (current.isEmpty()) {
                return report.state();
            }
            return report.applied() != null && current.get().equals(report.applied().release().etag()) ? IN_SYNC : BEHIND;
        }
        return report.state();
    }

    /**
     * How old a report may be before its host counts as silent: 1.5 times the interval the host writes
     * a heartbeat at (a heartbeat is written at the first poll after the interval, and a failed write is
     * retried at the next poll, so a live host is late by minutes at most).
     */
    public static Duration silentAfter(Duration reportInterval) {
        return reportInterval.plus(reportInterval.dividedBy(2));
    }
}
