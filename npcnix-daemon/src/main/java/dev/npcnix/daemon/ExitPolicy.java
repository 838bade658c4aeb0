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
    /** {@code --once}: stop after the first poll that found the host up to date or activated. */
    ANY,
    /** {@code --once=activate}: stop after the first activation. */
    ACTIVATE;

    /** The exit code of a one-shot run whose release was rolled back and could not be restored: the host needs an operator. */
    public static final int ROLLBACK_FAILED = 3;

    /**
     * The exit code to stop with after {@code outcome}, or empty to keep going. A one-shot run stops
     * with 1 on a failure that will not go away by waiting (a deterministic failure, a quarantined or
     * rolled-back release), with 3 when a rollback failed; transient failures (and interruptions) are
     * retried with backoff in every mode. A daemon never stops for a failed rollback: a fixed release
     * is the way out, and it keeps polling for one.
     */
    public Optional<Integer> exitCodeAfter(PollOutcome outcome) {
        return switch (this) {
            case NEVER -> Optional.empty();
            case ACTIVATE -> outcome instanceof PollOutcome.Activated || outcome instanceof PollOutcome.Rebooting
                    ? Optional.of(0) : Optional.empty();
            case ANY -> {
                if (outcome instanceof PollOutcome.Activated || outcome instanceof PollOutcome.Unchanged
                        || outcome instanceof PollOutcome.Rebooting) {
                    yield Optional.of(0);
                }
                if (outcome instanceof PollOutcome.RollbackFailed) {
                    yield Optional.of(ROLLBACK_FAILED);
                }
                if (outcome instanceof PollOutcome.Quarantined || outcome instanceof PollOutcome.RolledBack
                        || (outcome instanceof PollOutcome.Failed f && !f.isTransient())) {
                    yield Optional.of(1);
                }
                yield Optional.empty();
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
