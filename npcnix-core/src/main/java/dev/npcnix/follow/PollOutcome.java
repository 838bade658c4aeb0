package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.health.CheckResult;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The result of one poll step. The loop decides what to do next from this alone; {@link #summary()} is
 * how every caller (the daemon's log, a one-shot run's error line, bootstrap) says what happened, so
 * each failed poll is told once, by whoever decides what comes next.
 */
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

    /** One line for people: what the poll found or why it failed. */
    String summary();

    /** Its kind, as {@code poll.json}, the metrics file and hooks name it ({@code rolled_back}). */
    LastPoll.Outcome kind();

    /** Paused: nothing was asked of the store. */
    record Paused(Pause pause) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.PAUSED;
        }

        @Override
        public String summary() {
            return pause + ": not polling (npcnix unpause resumes)";
        }
    }

    /** The remote still holds the release already dealt with. */
    record Unchanged(Etag etag) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.UNCHANGED;
        }

        @Override
        public String summary() {
            return "up to date: release " + etag;
        }
    }

    /**
     * A new release (or configuration) was activated (with checks: tried, passed them, and was committed).
     *
     * @param checks the checks' results that let it in; empty without checks
     */
    record Activated(Release release, ConfigurationName configuration, Duration took, List<CheckResult> checks, Reboot reboot)
            implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.ACTIVATED;
        }

        public Activated {
            checks = List.copyOf(checks);
        }

        public Activated(Release release, ConfigurationName configuration, Duration took) {
            this(release, configuration, took, List.of(), Reboot.NONE);
        }

        @Override
        public String summary() {
            return "activated release " + release.shortId() + " of " + release.remote() + " as " + configuration
                    + (checks.isEmpty() ? "" : ", all " + checks.size() + " checks passed")
                    + switch (reboot) {
                        case NONE -> "";
                        case PENDING -> "; reboot pending (outside the reboot window)";
                        case REQUESTED -> "; rebooting into it";
                    };
        }
    }

    /**
     * A reboot was asked for: into a committed release that needs one ({@code rollback} false), or back
     * to the previous generation after the release failed its checks after its reboot. Nothing else was
     * done in this poll.
     */
    record Rebooting(Release release, boolean rollback) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.REBOOTING;
        }

        @Override
        public String summary() {
            return rollback ? "release " + release.shortId() + " of " + release.remote()
                    + " failed its checks after its reboot: rebooting back into the previous generation"
                    : "rebooting into release " + release.shortId() + " of " + release.remote();
        }
    }

    /**
     * A release was applied, failed its checks (or its activation failed half-way, or its boot), and the
     * previous generation runs again; the release is quarantined.
     *
     * @param failing the failed checks ({@code activation} or {@code boot} when those failed)
     */
    record RolledBack(Release release, ConfigurationName configuration, List<String> failing, NpcnixException error)
            implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.ROLLED_BACK;
        }

        public RolledBack {
            failing = List.copyOf(failing);
        }

        @Override
        public String summary() {
            return "release " + release.shortId() + " of " + release.remote() + " was rolled back for " + configuration
                    + " and is quarantined (publish a fix, or run npcnix retry): " + error.getMessage();
        }
    }

    /**
     * As {@link RolledBack}, but re-activating the previous generation failed too: the host runs a system
     * that failed its checks. The release is quarantined (never retried in a loop); an operator must look.
     */
    record RollbackFailed(Release release, ConfigurationName configuration, List<String> failing, NpcnixException error)
            implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.ROLLBACK_FAILED;
        }

        public RollbackFailed {
            failing = List.copyOf(failing);
        }

        @Override
        public String summary() {
            return "ROLLBACK FAILED: release " + release.shortId() + " of " + release.remote() + " failed its checks for "
                    + configuration + " and the previous generation could not be re-activated; the host runs a system that"
                    + " failed its checks; the release is quarantined (see docs/operations.md, \"rollback failed\"): "
                    + error.getMessage();
        }
    }

    /**
     * A staged rollout holds the release back: this host's wave is not open yet, the rollout is halted,
     * or every in-flight lease is taken. The release stays unpacked and verified in the data dir
     * ({@code held}); the next polls re-evaluate the gate without downloading it again.
     *
     * @param opensAt when the wave opens by this host's clock if nothing else changes (a soak running); the
     *     loop polls then rather than later
     */
    record Waiting(Release release, ConfigurationName configuration, dev.npcnix.state.HostState.Gated held, boolean halted,
            java.util.Optional<java.time.Instant> opensAt) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.WAITING;
        }

        @Override
        public String summary() {
            return "release " + release.shortId() + " of " + release.remote() + ": " + describe();
        }

        /** {@code waiting for wave 2 (wave 1 soaking until …)}. */
        public String describe() {
            return (halted ? "halted: rollout " + held.rolloutId() + " stopped (" : "waiting for wave " + held.wave() + " (")
                    + held.reason() + ")";
        }
    }

    /** The remote holds a release that failed before; it is skipped until a new one or {@code npcnix retry}. */
    record Quarantined(Etag etag, String reason) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.QUARANTINED;
        }

        @Override
        public String summary() {
            return "the remote holds release " + etag + ", which is quarantined (publish a fix, or run npcnix retry): " + reason;
        }
    }

    /**
     * The step failed. Transient failures (store unreachable, truncated download), local ones and
     * interrupted activations are retried with backoff; deterministic ones (corrupt archive, failing
     * rebuild) quarantine the release.
     */
    record Failed(Optional<Release> release, NpcnixException error) implements PollOutcome {
        @Override
        public LastPoll.Outcome kind() {
            return LastPoll.Outcome.FAILED;
        }

        public boolean isTransient() {
            return error.isTransient();
        }

        /** The failure, with what it means for the release when one was involved. */
        @Override
        public String summary() {
            if (release.isEmpty()) {
                return error.getMessage();
            }
            String which = "release " + release.get().shortId() + " of " + release.get().remote();
            return switch (error.errorClass()) {
                case DETERMINISTIC -> which + " failed and is quarantined (publish a fix, or run npcnix retry): " + error.getMessage();
                case UNHEALTHY -> which + " failed its checks and is quarantined (publish a fix, or run npcnix retry): "
                        + error.getMessage();
                case INTERRUPTED -> error.stopRequested()
                        ? which + ": activation interrupted by a stop, not held against the release (tried again at the next start): "
                                + error.getMessage()
                        : which + ": activation interrupted without a stop request (tried once more; a second such interruption"
                                + " quarantines it): " + error.getMessage();
                case LOCAL -> which + ": failed on this host: " + error.getMessage();
                default -> which + ": " + error.getMessage(); // transient, and classes added later
            };
        }
    }
}
