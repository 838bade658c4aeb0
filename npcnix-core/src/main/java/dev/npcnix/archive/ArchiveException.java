package dev.npcnix.archive;

import dev.npcnix.NpcnixException;

/**
 * An archive that cannot be packed or unpacked safely: corrupt or truncated stream, an entry that
 * would escape its directory, a limit exceeded. Deterministic: the same bytes fail the same way.
 */
public final class ArchiveException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    public ArchiveException(String message) {
        super(message, null);
    }

    public ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
