package dev.npcnix.state;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Instant;
import java.util.Objects;

/**
 * What the last poll found ({@code poll.json}), for {@code status}: when, for which remote and
 * configuration, how it ended, the release the remote served, and for a failure its class and message.
 * Unlike {@code state.json} it is rewritten after every poll, so it is written without fsync: a crash
 * may lose it, which costs only "last poll: unknown" until the next poll.
 *
 * @param etag the release the remote served (unchanged, activated, quarantined, or the one that
 *     failed); null when the poll did not get that far (paused, the store failed)
 * @param errorClass failures only
 * @param message failures only: the one-line error, cut to {@link #MAX_MESSAGE} characters
 */
public record LastPoll(Instant at, RemoteUri remote, ConfigurationName configuration, Outcome outcome, Etag etag,
        ErrorClass errorClass, String message) {
    public static final int MAX_MESSAGE = 500;

    /** How a poll ended: the {@code PollOutcome} kinds. */
    public enum Outcome { UNCHANGED, ACTIVATED, QUARANTINED, FAILED, PAUSED }

    public LastPoll {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(outcome, "outcome");
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 1) + "…";
        }
    }

    /** Whether this poll was of {@code r} for {@code c} (a poll of another remote says nothing about this one). */
    public boolean isFor(RemoteUri r, ConfigurationName c) {
        return Objects.equals(remote, r) && Objects.equals(configuration, c);
    }
}
