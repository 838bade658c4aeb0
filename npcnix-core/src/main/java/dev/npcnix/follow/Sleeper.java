package dev.npcnix.follow;

import java.time.Duration;

/** Waits. Injected so tests advance a clock instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    /** The real thing. */
    static Sleeper system() {
        return d -> Thread.sleep(d.toMillis());
    }
}
