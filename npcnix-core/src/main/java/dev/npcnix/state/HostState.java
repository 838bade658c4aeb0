package dev.npcnix.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What only we track, {@code state.json}: recent activation attempts, quarantined releases, the highest
 * release sequence number accepted (anti-downgrade), and the release last looked at (so a poll asks the
 * store only for something newer). Immutable; {@code with*} return new values.
 *
 * @param history the most recent attempts, oldest first, at most {@link #MAX_HISTORY}
 * @param quarantined releases that failed deterministically and are not tried again until a new release
 *     or {@code npcnix retry}
 * @param highestSequence highest manifest sequence number accepted; 0 when none
 * @param lastSeen the release last fetched and dealt with (applied, quarantined, or equal to the applied one)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostState(List<Attempt> history, List<Quarantine> quarantined, long highestSequence, LastSeen lastSeen) {
    public static final int MAX_HISTORY = 50;

    public HostState {
        history = history == null ? List.of() : List.copyOf(history);
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
    }

    public static HostState empty() {
        return new HostState(List.of(), List.of(), 0, null);
    }

    /** How an attempt ended. */
    public enum Result { ACTIVATED, FAILED, QUARANTINED, ROLLED_BACK }

    /**
     * One try to apply a release.
     *
     * @param errorClass {@code transient} or {@code deterministic} for failures, null otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Attempt(Instant startedAt, long durationMillis, String remote, String etag, String sha256,
            String configuration, String operation, Result result, String errorClass, String message) {
    }

    /** A release (by ETag and content hash) that must not be tried again for {@code configuration}. */
    public record Quarantine(String remote, String etag, String sha256, String configuration, Instant at, String reason) {
        boolean matches(String otherRemote, String otherEtag, String otherSha256, String otherConfiguration) {
            return Objects.equals(configuration, otherConfiguration)
                    && Objects.equals(remote, otherRemote)
                    && (Objects.equals(etag, otherEtag) || (sha256 != null && sha256.equals(otherSha256)));
        }
    }

    /** The release a poll last dealt with: the next poll asks the store for anything but this. */
    public record LastSeen(String remote, String etag, String configuration) {
    }

    public HostState withAttempt(Attempt attempt) {
        List<Attempt> h = new ArrayList<>(history);
        h.add(attempt);
        while (h.size() > MAX_HISTORY) {
            h.remove(0);
        }
        return new HostState(h, quarantined, highestSequence, lastSeen);
    }

    public HostState withQuarantine(Quarantine q) {
        List<Quarantine> qs = new ArrayList<>(quarantined);
        qs.removeIf(old -> old.matches(q.remote(), q.etag(), q.sha256(), q.configuration()));
        qs.add(q);
        while (qs.size() > MAX_HISTORY) {
            qs.remove(0);
        }
        return new HostState(history, qs, highestSequence, lastSeen);
    }

    /** Forgets every quarantine and the last seen release: the next poll downloads and tries again. */
    public HostState withoutQuarantine() {
        return new HostState(history, List.of(), highestSequence, null);
    }

    public HostState withLastSeen(LastSeen seen) {
        return new HostState(history, quarantined, highestSequence, seen);
    }

    public HostState withHighestSequence(long sequence) {
        return new HostState(history, quarantined, Math.max(highestSequence, sequence), lastSeen);
    }

    /** The quarantine entry for this release and configuration, if any. */
    public Optional<Quarantine> quarantineFor(String remote, String etag, String sha256, String configuration) {
        return quarantined.stream().filter(q -> q.matches(remote, etag, sha256, configuration)).findFirst();
    }

    @JsonIgnore
    public Optional<Attempt> lastAttempt() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }
}
