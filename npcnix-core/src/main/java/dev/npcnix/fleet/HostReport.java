package dev.npcnix.fleet;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a host says of itself in {@code <remote>.hosts/<host-id>.json} (docs/operations.md, "Reports"):
 * its state, the release it applied and the one it last dealt with, its last poll and attempt,
 * quarantined releases, pause, generations, version and when it said so. Messages are cut to
 * {@link #MAX_MESSAGE_BYTES}; nothing in it is secret. Fields that do not apply are null.
 *
 * @param target the release the host last dealt with (the remote's, as last seen), when it is not the applied one
 * @param reportInterval how often the host writes a report when nothing changes (readers derive {@code silent})
 */
public record HostReport(
        HostId hostId,
        RemoteUri remote,
        ConfigurationName configuration,
        HostStatus.State state,
        Applied applied,
        ReleaseRef target,
        LastPoll lastPoll,
        LastAttempt lastAttempt,
        List<Quarantined> quarantined,
        boolean paused,
        Instant pausedUntil,
        Generations generations,
        String npcnixVersion,
        Duration reportInterval,
        Instant reportedAt) {

    /** How much of a message a report keeps. */
    public static final int MAX_MESSAGE_BYTES = 300;
    /** How many quarantined releases a report lists (the newest). */
    public static final int MAX_QUARANTINED = 10;

    public HostReport {
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reportInterval, "reportInterval");
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
    }

    /** A release by its ETag, with its content hash and signed sequence number when known (else null, 0). */
    public record ReleaseRef(Etag etag, String sha256, long sequence) {
    }

    /** The release applied, for which configuration, and when. */
    public record Applied(ReleaseRef release, ConfigurationName configuration, Instant at) {
    }

    /** How the last poll ended: {@code unchanged}, {@code activated}, {@code failed}, {@code quarantined}, {@code paused}. */
    public record LastPoll(String outcome, ErrorClass errorClass, String message) {
        public LastPoll {
            message = cut(message);
        }
    }

    /** The last try to apply a release. */
    public record LastAttempt(Instant startedAt, String result, Etag etag, ErrorClass errorClass, String message) {
        public LastAttempt {
            message = cut(message);
        }
    }

    /** A release skipped here. */
    public record Quarantined(Etag etag, String sha256, ConfigurationName configuration, Instant at, String reason) {
        public Quarantined {
            reason = cut(reason);
        }
    }

    /** The system generations: the running one and the one booted (store paths). */
    public record Generations(String current, String booted) {
    }

    /** This report at another time. */
    public HostReport at(Instant time) {
        return new HostReport(hostId, remote, configuration, state, applied, target, lastPoll, lastAttempt, quarantined,
                paused, pausedUntil, generations, npcnixVersion, reportInterval, time);
    }

    /** {@code message} cut to {@link #MAX_MESSAGE_BYTES} bytes of UTF-8 (on a character boundary), one line. */
    static String cut(String message) {
        if (message == null) {
            return null;
        }
        String line = message.replace('\n', ' ').replace('\r', ' ');
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_MESSAGE_BYTES) {
            return line;
        }
        int end = MAX_MESSAGE_BYTES - 3; // room for "..."
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }
}
