package dev.npcnix.local;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The host's own problem: a full disk, an unwritable {@code tmp/}, a failed state write. The message
 * names the path and the cause; the store and the release are not to blame, so a poll that fails this
 * way quarantines nothing and is retried with backoff (error class {@code local}).
 */
public final class LocalException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public LocalException(Path path, String doing, Throwable cause) {
        super(path + ": " + doing + ": " + reason(cause), cause);
        this.path = path;
    }

    /** The file or directory that could not be used. */
    public Path path() {
        return path;
    }

    /** A disk that fills up or a permission that is fixed may let the same poll succeed later. */
    @Override
    public boolean isTransient() {
        return true;
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.LOCAL;
    }

    /**
     * The cause in words: the OS's reason ("No space left on device", "Permission denied") without
     * the JDK repeating the path.
     */
    public static String reason(Throwable e) {
        if (e == null) {
            return "failed";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof IOException && e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage();
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }
}
