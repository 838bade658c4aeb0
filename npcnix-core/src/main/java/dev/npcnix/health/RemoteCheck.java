package dev.npcnix.health;

import java.time.Clock;

/** The store still answers: a release that cuts the host off its store is rolled back. */
final class RemoteCheck implements Check {
    private final RemoteProbe probe;

    RemoteCheck(RemoteProbe probe) {
        this.probe = probe;
    }

    @Override
    public String name() {
        return "remote";
    }

    @Override
    public CheckResult run(Clock clock) {
        try {
            return new CheckResult(name(), true, probe.probe(), clock.instant());
        } catch (RuntimeException e) {
            return new CheckResult(name(), false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(),
                    clock.instant());
        }
    }
}
