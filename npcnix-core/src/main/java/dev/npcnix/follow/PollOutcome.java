package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.state.Pause;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.util.Optional;

/**
 * The result of one poll step. The loop decides what to do next from this alone; {@link #summary()} is
 * how every caller (the daemon's log, a one-shot run's error line, bootstrap) says what happened, so
 * each failed poll is told once, by whoever decides what comes next.
 */
public sealed interface PollOutcome {

    /** Whether the loop should count this as a success (for {@code --once}). */
    default boolean isSuccess() {
        return !(this instanceof Failed);
    }

    /** One line for people: what the poll found or why it failed. */
    String summary();

    /** Paused: nothing was asked of the store. */
    record Paused(Pause pause) implements PollOutcome {
        @Override
        public String summary() {
            return pause + ": not polling (npcnix unpause resumes)";
        }
    }

    /** The remote still holds the release already dealt with. */
    record Unchanged(Etag etag) implements PollOutcome {
        @Override
        public String summary() {
            return "up to date: release " + etag;
        }
    }

    /** A new release (or configuration) was activated. */
    record Activated(Release release, ConfigurationName configuration, Duration took) implements PollOutcome {
        @Override
        public String summary() {
            return "activated release " + release.shortId() + " of " + release.remote() + " as " + configuration;
        }
    }

    /** The remote holds a release that failed before; it is skipped until a new one or {@code npcnix retry}. */
    record Quarantined(Etag etag, String reason) implements PollOutcome {
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
                case INTERRUPTED -> which + ": activation interrupted, not quarantined (tried again at the next start): "
                        + error.getMessage();
                case LOCAL -> which + ": failed on this host: " + error.getMessage();
                default -> which + ": " + error.getMessage(); // transient, and classes added later
            };
        }
    }
}
