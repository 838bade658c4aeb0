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
 * Written after every poll, so it costs the idle poll as little as can be: the content changes only
 * when what the poll found changes; an unchanged poll only sets the file's modification time, which is
 * the time of the last poll. No fsync: a crash may lose it, which costs only "last poll: none recorded"
 * until the next poll.
 *
 * @param at when the last poll ended
 * @param since when a poll first found this (the same outcome, release and error); {@code at} or earlier
 * @param etag the release the remote served (unchanged, activated, quarantined, or the one that
 *     failed); null when the poll did not get that far (paused, the store failed)
 * @param errorClass failures only
 * @param message failures only: the one-line error, cut to {@link #MAX_MESSAGE} characters
 */
public record LastPoll(Instant at, Instant since, RemoteUri remote, ConfigurationName configuration, Outcome outcome, Etag etag,
        ErrorClass errorClass, String message) {
    public static final int MAX_MESSAGE = 500;

    /** How a poll ended: the {@code PollOutcome} kinds. */
    public enum Outcome { UNCHANGED, ACTIVATED, QUARANTINED, FAILED, PAUSED, ROLLED_BACK, ROLLBACK_FAILED, REBOOTING, WAITING }

    public LastPoll {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(outcome, "outcome");
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 1) + "…";
        }
    }

    /** A poll that found this at {@code at}, for the first time as far as it knows. */
    public static LastPoll at(Instant at, RemoteUri remote, ConfigurationName configuration, Outcome outcome, Etag etag,
            ErrorClass errorClass, String message) {
        return new LastPoll(at, at, remote, configuration, outcome, etag, errorClass, message);
    }

    /** Whether this poll was of {@code r} for {@code c} (a poll of another remote says nothing about this one). */
    public boolean isFor(RemoteUri r, ConfigurationName c) {
        return Objects.equals(remote, r) && Objects.equals(configuration, c);
    }

    /** Whether {@code other} found the same as this poll (its time aside). */
    public boolean sameFinding(LastPoll other) {
        return other != null && Objects.equals(remote, other.remote) && Objects.equals(configuration, other.configuration)
                && outcome == other.outcome && Objects.equals(etag, other.etag) && errorClass == other.errorClass
                && Objects.equals(message, other.message);
    }

    LastPoll withTimes(Instant newAt, Instant newSince) {
        return new LastPoll(newAt, newSince, remote, configuration, outcome, etag, errorClass, message);
    }
}
