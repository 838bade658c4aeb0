package dev.npcnix.state;

import java.util.OptionalLong;

/**
 * Whether an {@code npcnix follow} is following a data dir, as the kernel says: the follower holds the
 * lock on {@code follow.lock} for its whole life, and the lock goes when the process does (a PID alone
 * could be stale or reused).
 */
public sealed interface Daemon {

    /** A follower holds the lock; {@code pid} as it wrote it (empty in the instant before it writes). */
    record Running(OptionalLong pid) implements Daemon {
        @Override
        public String toString() {
            return pid.isPresent() ? "running (PID " + pid.getAsLong() + ")" : "running";
        }
    }

    /** No process holds the lock. */
    record NotRunning() implements Daemon {
        @Override
        public String toString() {
            return "not running";
        }
    }

    /** The lock could not be checked (a user who may not read the data dir; a report from another host). */
    record Unknown(String why) implements Daemon {
        @Override
        public String toString() {
            return "unknown (" + why + ")";
        }
    }
}
