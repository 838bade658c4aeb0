package dev.npcnix.ec2;

import dev.npcnix.NpcnixException;

/** The instance metadata service did not answer, or answered with an error. */
public final class InstanceMetadataException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    InstanceMetadataException(String message, Throwable cause) {
        super(message, cause);
    }

    /** An unreachable or failing IMDS may answer later (network not up yet, throttled). */
    @Override
    public boolean isTransient() {
        return true;
    }
}
