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
        /** {@code waiting for wave 2 (wave 1 soaking until …)}. */
        public String describe() {
            return (halted ? "halted: rollout " + held.rolloutId() + " stopped (" : "waiting for wave " + held.wave() + " (")
                    + held.reason() + ")";
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
