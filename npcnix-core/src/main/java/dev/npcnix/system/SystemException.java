package dev.npcnix.system;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;

/**
 * A program of the host's system failed or a system link is not as NixOS makes it: {@code nix-env},
 * {@code switch-to-configuration}, {@code systemctl}, the profile or the current-system link. The
 * host's problem, not the release's: class {@code local}, retried, never quarantines by itself.
 */
public final class SystemException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    public SystemException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isTransient() {
        return true;
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.LOCAL;
    }
}
