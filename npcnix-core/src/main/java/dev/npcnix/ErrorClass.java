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
     * The release was applied and failed its health checks (or its activation failed half-way), and
     * was rolled back: quarantined, naming the failing checks.
     */
    UNHEALTHY,
    /**
     * The activation or trial was cut short, not failed. An interruption the daemon saw requested (a
     * stop or shutdown while {@code nixos-rebuild} or a trial ran, or the rebuild killed by a signal
     * after a stop request) never counts against the release: it is tried again at the next start. An
     * interruption found only afterwards (an unfinished trial with no recorded stop: the host crashed or
     * rebooted by itself) counts: the second one of the same release quarantines it.
     */
    INTERRUPTED
}
