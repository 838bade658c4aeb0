package dev.npcnix.follow;

import dev.npcnix.state.HostState;
import java.util.Optional;

/**
 * What a stage of the poll step hands on: its output for the next stage, or the end of the poll with
 * an outcome (and the release the poll dealt with, to remember as {@code last_seen}).
 */
sealed interface Step<T> {

    /** Go on with {@code value}. */
    record Next<T>(T value) implements Step<T> {
    }

    /** The poll ends here with {@code outcome}; {@code seen} is recorded as the release dealt with. */
    record Stop<T>(PollOutcome outcome, Optional<HostState.LastSeen> seen) implements Step<T> {
    }

    static <T> Step<T> next(T value) {
        return new Next<>(value);
    }

    static <T> Step<T> stop(PollOutcome outcome) {
        return new Stop<>(outcome, Optional.empty());
    }

    static <T> Step<T> stop(PollOutcome outcome, HostState.LastSeen seen) {
        return new Stop<>(outcome, Optional.of(seen));
    }
}
