package dev.npcnix.archive;

import dev.npcnix.NpcnixException;

/**
 * An archive that cannot be packed or unpacked safely: corrupt or truncated stream, an entry that
 * would escape its directory, a limit exceeded. Deterministic: the same bytes fail the same way.
 * The exception is the local I/O failure (disk full, the input stream failing while read), made with
 * {@link #ioFailure}: the same archive may unpack later, so a caller must not quarantine the release.
 */
public final class ArchiveException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;

    public ArchiveException(String message) {
        this(message, null, false);
    }

    public ArchiveException(String message, Throwable cause) {
        this(message, cause, false);
    }

    private ArchiveException(String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    /** A failure of the machinery around the archive (reading the input, writing the disk), not of its bytes. */
    public static ArchiveException ioFailure(String message, Throwable cause) {
        return new ArchiveException(message, cause, true);
    }

    /** A cause in words, for the end of a one-line message; the JDK leaves some without a reason. */
    static String describe(Throwable e) {
        if (e instanceof java.nio.file.AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return missing.getFile() + ": no such file";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public boolean isTransient() {
        return transientFailure;
    }
}
