package dev.npcnix.state;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
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
 * @param lastSeen the release last fetched and dealt with (applied, quarantined, or equal to the applied
 *     one); null when none
 * @param rollout the release held by a staged rollout's gate, kept unpacked and verified in the data dir;
 *     null when none
 */
public record HostState(List<Attempt> history, List<Quarantine> quarantined, long highestSequence, LastSeen lastSeen,
        Gated rollout) {
    public static final int MAX_HISTORY = 50;

    public HostState {
        history = history == null ? List.of() : List.copyOf(history);
        quarantined = quarantined == null ? List.of() : List.copyOf(quarantined);
    }

    public HostState(List<Attempt> history, List<Quarantine> quarantined, long highestSequence, LastSeen lastSeen) {
        this(history, quarantined, highestSequence, lastSeen, null);
    }

    public static HostState empty() {
        return new HostState(List.of(), List.of(), 0, null, null);
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

    /** How an attempt ended. {@code ROLLED_BACK} is for safe activation (a release that failed its checks). */
    public enum Result { ACTIVATED, FAILED, ROLLED_BACK }

    /**
     * One try to apply a release.
     *
     * @param sha256 hex SHA-256 of the packed release; null when it was refused before it was read
     * @param errorClass for failures, null otherwise
     * @param message the failure's one-line message, null otherwise
     */
    public record Attempt(Instant startedAt, long durationMillis, RemoteUri remote, Etag etag, String sha256,
            ConfigurationName configuration, Operation operation, Result result, ErrorClass errorClass, String message) {
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
        return new HostState(h, quarantined, highestSequence, lastSeen, rollout);
    }

    public HostState withQuarantine(Quarantine q) {
        List<Quarantine> qs = new ArrayList<>(quarantined);
        qs.removeIf(old -> old.matches(q.remote(), q.etag(), q.sha256(), q.configuration()));
        qs.add(q);
        while (qs.size() > MAX_HISTORY) {
            qs.remove(0);
        }
        return new HostState(history, qs, highestSequence, lastSeen, rollout);
    }

    /** Forgets every quarantine and the last seen release: the next poll downloads and tries again. */
    public HostState withoutQuarantine() {
        return new HostState(history, List.of(), highestSequence, null, rollout);
    }

    public HostState withLastSeen(LastSeen seen) {
        return new HostState(history, quarantined, highestSequence, seen, rollout);
    }

    public HostState withHighestSequence(long sequence) {
        return new HostState(history, quarantined, Math.max(highestSequence, sequence), lastSeen, rollout);
    }

    /** Holds {@code gated} back for a rollout (null: nothing held). */
    public HostState withRollout(Gated gated) {
        return new HostState(history, quarantined, highestSequence, lastSeen, gated);
    }

    /** The quarantine entry for this release (by ETag, or by content when the hash is known) and configuration. */
    public Optional<Quarantine> quarantineFor(RemoteUri remote, Etag etag, String sha256, ConfigurationName configuration) {
        return quarantined.stream().filter(q -> q.matches(remote, etag, sha256, configuration)).findFirst();
    }

    public Optional<Attempt> lastAttempt() {
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }
}
