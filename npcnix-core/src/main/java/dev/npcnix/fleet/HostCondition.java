package dev.npcnix.fleet;

import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a reader of reports adds to the state word a host reported. The host says its own word with the
 * one classification, {@link HostStatus#of} (the same inputs {@code npcnix status} reads); only a reader
 * knows whether the host still reports ({@link HostStatus.State#SILENT}) and whether the release it
 * applied is the remote's current one now ({@link HostStatus.State#BEHIND}, {@link #inFleet}).
 */
public final class HostCondition {
    private HostCondition() {
    }

    /**
     * What a reader of the report sees: {@code silent} when the report is older than
     * {@link #silentAfter} its host's report interval, {@code behind} when the host thinks it is in sync but
     * applied another release than the remote's {@code current} one; otherwise the host's own word.
     */
    public static HostStatus.State inFleet(HostReport report, Optional<Etag> current, Instant now) {
        if (Duration.between(report.reportedAt(), now).compareTo(silentAfter(report.reportInterval())) > 0) {
            return HostStatus.State.SILENT;
        }
        if (report.state() == HostStatus.State.IN_SYNC || report.state() == HostStatus.State.BEHIND) {
            if (current.isEmpty()) {
                return report.state();
            }
            return report.applied() != null && current.get().equals(report.applied().release().etag())
                    ? HostStatus.State.IN_SYNC : HostStatus.State.BEHIND;
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
