package dev.npcnix.health;

import java.time.Clock;

/** One check; a failure of the host is a failed result, never an exception. */
interface Check {
    String name();

    CheckResult run(Clock clock);
}
