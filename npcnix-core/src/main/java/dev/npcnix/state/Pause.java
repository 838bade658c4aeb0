package dev.npcnix.state;

import java.time.Instant;
import java.util.Objects;

/** Why the daemon is not applying releases: paused until further notice, or until a moment. */
public sealed interface Pause permits Pause.Indefinitely, Pause.Until {

    /** Whether the pause still holds at {@code now}. */
    boolean isActiveAt(Instant now);

    /** Paused until {@code npcnix unpause}. */
    record Indefinitely() implements Pause {
        @Override
        public boolean isActiveAt(Instant now) {
            return true;
        }

        @Override
        public String toString() {
            return "paused";
        }
    }

    /** Paused until {@code until}; after that the daemon resumes by itself. */
    record Until(Instant until) implements Pause {
        public Until {
            Objects.requireNonNull(until, "until");
        }

        @Override
        public boolean isActiveAt(Instant now) {
            return now.isBefore(until);
        }

        @Override
        public String toString() {
            return "paused (until " + until + ")";
        }
    }
}
