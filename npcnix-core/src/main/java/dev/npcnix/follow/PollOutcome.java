package dev.npcnix.follow;

import dev.npcnix.ConfigurationName;
import dev.npcnix.NpcnixException;
import dev.npcnix.state.Pause;
import dev.npcnix.store.Etag;
import java.time.Duration;
import java.util.Optional;

/** The result of one poll step. The loop decides what to do next from this alone. */
public sealed interface PollOutcome {

    /** Whether the loop should count this as a success (for {@code --once}). */
    default boolean isSuccess() {
        return !(this instanceof Failed);
    }

    /** Paused: nothing was asked of the store. */
    record Paused(Pause pause) implements PollOutcome {
    }

    /** The remote still holds the release already dealt with. */
    record Unchanged(Etag etag) implements PollOutcome {
    }

    /** A new release (or configuration) was activated. */
    record Activated(Release release, ConfigurationName configuration, Duration took) implements PollOutcome {
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
