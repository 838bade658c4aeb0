package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.health.CheckResult;
import dev.npcnix.state.Pause;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The result of one poll step. The loop decides what to do next from this alone. */
public sealed interface PollOutcome {

    /** Whether the loop should count this as a success (for {@code --once}). */
    default boolean isSuccess() {
        return !(this instanceof Failed || this instanceof RolledBack || this instanceof RollbackFailed);
    }

    /** What an activation left to do with the host's boot. */
    enum Reboot {
        /** Nothing: the new system runs, or will at the next reboot whenever it comes ({@code --reboot never}). */
        NONE,
        /** A reboot is due but waits for the reboot window ({@code reboot pending}). */
        PENDING,
        /** A reboot was asked for ({@code systemctl reboot}); the checks run again after it. */
        REQUESTED
    }

    /** Paused: nothing was asked of the store. */
    record Paused(Pause pause) implements PollOutcome {
    }

    /** The remote still holds the release already dealt with. */
    record Unchanged(Etag etag) implements PollOutcome {
    }

    /**
     * A new release (or configuration) was activated (with checks: tried, passed them, and was committed).
     *
     * @param checks the checks' results that let it in; empty without checks
     */
    record Activated(Release release, ConfigurationName configuration, Duration took, List<CheckResult> checks, Reboot reboot)
            implements PollOutcome {
        public Activated {
            checks = List.copyOf(checks);
        }

        public Activated(Release release, ConfigurationName configuration, Duration took) {
            this(release, configuration, took, List.of(), Reboot.NONE);
        }
    }

    /**
     * A reboot was asked for: into a committed release that needs one ({@code rollback} false), or back
     * to the previous generation after the release failed its checks after its reboot. Nothing else was
     * done in this poll.
     */
    record Rebooting(Release release, boolean rollback) implements PollOutcome {
    }

    /**
     * A release was applied, failed its checks (or its activation failed half-way, or its boot), and the
     * previous generation runs again; the release is quarantined.
     *
     * @param failing the failed checks ({@code activation} or {@code boot} when those failed)
     */
    record RolledBack(Release release, ConfigurationName configuration, List<String> failing, NpcnixException error)
            implements PollOutcome {
        public RolledBack {
            failing = List.copyOf(failing);
        }
    }

    /**
     * As {@link RolledBack}, but re-activating the previous generation failed too: the host runs a system
     * that failed its checks. The release is quarantined (never retried in a loop); an operator must look.
     */
    record RollbackFailed(Release release, ConfigurationName configuration, List<String> failing, NpcnixException error)
            implements PollOutcome {
        public RollbackFailed {
            failing = List.copyOf(failing);
        }
    }

    /** The remote holds a release that failed before; it is skipped until a new one or {@code npcnix retry}. */
    record Quarantined(Etag etag, String reason) implements PollOutcome {
    }

    /**
     * The step failed. Transient failures (store unreachable, truncated download) are retried with
     * backoff; deterministic ones (corrupt archive, failing rebuild) quarantine the release.
     */
    record Failed(Optional<Release> release, NpcnixException error) implements PollOutcome {
        public boolean isTransient() {
            return error.isTransient();
        }
    }
}
