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
    LOCAL
}
