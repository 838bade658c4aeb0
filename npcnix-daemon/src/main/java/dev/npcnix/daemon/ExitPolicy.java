package dev.npcnix.daemon;

import dev.npcnix.follow.PollOutcome;
import java.util.Optional;

/**
 * When {@code follow} stops by itself ({@code --once}, {@code --once=activate}); without {@code --once}
 * it never does. Under systemd the unit runs {@code --once=activate} with {@code Restart=always}: the
 * daemon exits after a switch and systemd starts the new generation's binary.
 */
public enum ExitPolicy {
    /** Keep following until stopped. */
    NEVER,
    /** {@code --once}: one poll, whatever it finds. */
    ANY,
    /** {@code --once=activate}: stop after the first activation. */
    ACTIVATE;

    /**
     * The exit code to stop with after {@code outcome}, or empty to keep going. A one-shot run is one
     * poll: 0 when it found the host up to date, activated or paused, 1 when it failed or the remote holds
     * a quarantined release (a script or a person is waiting for the answer: retrying for minutes would
     * hide it). {@code --once=activate} retries every failure, with backoff for transient ones.
     */
    public Optional<Integer> exitCodeAfter(PollOutcome outcome) {
        return switch (this) {
            case NEVER -> Optional.empty();
            case ACTIVATE -> outcome instanceof PollOutcome.Activated ? Optional.of(0) : Optional.empty();
            case ANY -> Optional.of(outcome instanceof PollOutcome.Quarantined || outcome instanceof PollOutcome.Failed ? 1 : 0);
        };
    }

    /** From the {@code --once} option value: absent, empty (any), {@code any} or {@code activate}. */
    public static ExitPolicy parse(String once) {
        if (once == null) {
            return NEVER;
        }
        return switch (once.strip()) {
            case "", "any" -> ANY;
            case "activate" -> ACTIVATE;
            default -> throw new dev.npcnix.InvalidInputException("--once=" + once + ": expected any or activate");
        };
    }
}
