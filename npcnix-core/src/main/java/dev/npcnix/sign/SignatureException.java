package dev.npcnix.sign;

import dev.npcnix.NpcnixException;

/** A release that trusted keys refuse: unsigned, unknown key, bad signature, tampered, replayed. Deterministic. */
public final class SignatureException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    public SignatureException(String message) {
        super(message, null);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
