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
     * A trial was cut short by a stop, a kill or a reboot, which is not the release's fault: tried once
     * more, then quarantined (a release that keeps taking the host down is).
     */
    INTERRUPTED
}
