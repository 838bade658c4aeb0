package dev.npcnix;

/**
 * The host is not in a state where the operation makes sense: not bootstrapped (no remote or
 * configuration set), the activation lock held and {@code --no-wait} given, an unreadable state file.
 */
public final class StateException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    public StateException(String message) {
        super(message, null);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
