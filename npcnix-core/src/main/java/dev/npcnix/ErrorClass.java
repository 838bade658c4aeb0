package dev.npcnix;

/**
 * Why a poll failed, as recorded and reported ({@code error_class} in {@code state.json} and
 * {@code --json}), which decides what happens next.
 */
public enum ErrorClass {
    /** The store or the network: retried with backoff, the release is not blamed. */
    TRANSIENT,
    /** The release itself (corrupt archive, refused signature, failing rebuild): quarantined. */
    DETERMINISTIC,
    /** The host's own problem (full disk, unwritable {@code tmp/}, failed state write): retried with backoff, nothing quarantined. */
    LOCAL,
    /**
     * The activation was stopped, not failed: a shutdown request arrived while it ran, or
     * {@code nixos-rebuild} was killed by a signal. Nothing is blamed or quarantined; the release is
     * tried again at the next start (or the next poll).
     */
    INTERRUPTED
}
