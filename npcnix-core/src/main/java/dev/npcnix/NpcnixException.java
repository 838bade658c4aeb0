package dev.npcnix;

/**
 * Root of npcnix's own failures. The message is one line that names the object and the cause
 * ({@code remote s3://b/prod.npcnix: access denied (s3:GetObject)}); the cause is kept for
 * {@code --verbose}. Subclasses say whether trying again later may help.
 */
public abstract class NpcnixException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected NpcnixException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * True when the same operation may succeed later without anything changing on our side
     * (store unreachable, 5xx, truncated download); false when it will fail the same way again
     * (corrupt archive, missing flake.nix, a failing nixos-rebuild).
     */
    public abstract boolean isTransient();

    /** How a poll that failed this way is classified: {@link ErrorClass#LOCAL} for the host's own problems. */
    public ErrorClass errorClass() {
        return isTransient() ? ErrorClass.TRANSIENT : ErrorClass.DETERMINISTIC;
    }

    /**
     * For an {@link ErrorClass#INTERRUPTED} failure: whether the daemon saw the stop requested (a
     * SIGTERM or shutdown while the rebuild or the trial ran), which never counts against the release.
     * An interruption found only afterwards (no recorded stop) counts.
     */
    public boolean stopRequested() {
        return false;
    }
}
