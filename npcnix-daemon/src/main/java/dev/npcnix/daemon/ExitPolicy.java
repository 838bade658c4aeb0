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

    /** The exit code of a one-shot run whose release was rolled back and could not be restored: the host needs an operator. */
    public static final int ROLLBACK_FAILED = 3;

    /**
     * The exit code to stop with after {@code outcome}, or empty to keep going. A one-shot run is one
     * poll: 0 when it found the host up to date, activated (or rebooting into it), paused or waiting for
     * its rollout wave ({@code --once} is not a wait for the wave), 3 when a rollback failed (the host needs an operator), 1 when it failed, the release was rolled back or the
     * remote holds a quarantined release (a script or a person is waiting for the answer: retrying for
     * minutes would hide it). {@code --once=activate} retries every failure, with backoff for transient
     * ones. A daemon never stops for a failed rollback: a fixed release is the way out, and it keeps
     * polling for one.
     */
    public Optional<Integer> exitCodeAfter(PollOutcome outcome) {
        return switch (this) {
            case NEVER -> Optional.empty();
            case ACTIVATE -> outcome instanceof PollOutcome.Activated || outcome instanceof PollOutcome.Rebooting
                    ? Optional.of(0) : Optional.empty();
            case ANY -> {
                if (outcome instanceof PollOutcome.RollbackFailed) {
                    yield Optional.of(ROLLBACK_FAILED);
                }
                yield Optional.of(outcome instanceof PollOutcome.Quarantined || outcome instanceof PollOutcome.Failed
                        || outcome instanceof PollOutcome.RolledBack ? 1 : 0);
            }
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
