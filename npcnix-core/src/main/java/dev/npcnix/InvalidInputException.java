package dev.npcnix;

/** Input the user gave is wrong: a malformed URI, a flake directory without flake.nix, a bad name. */
public final class InvalidInputException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message, null);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
