package dev.npcnix;

/**
 * The host is not in a state where the operation makes sense: not bootstrapped (no remote or
 * configuration set), the activation lock held and {@code --no-wait} given, another follower on the
 * data dir, an unreadable state file. Not final: the data dir's own kinds (a file that does not parse)
 * are subclasses, still exit 3.
 */
public class StateException extends NpcnixException {
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
