package dev.npcnix.activate;

import dev.npcnix.NpcnixException;
import java.util.List;

/**
 * {@code nixos-rebuild} failed: a non-zero exit (carrying its code and last output lines), a timeout,
 * or it could not be started. A failing rebuild is deterministic for that release; a missing
 * executable is a host problem and transient.
 */
public final class ActivationException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final transient List<String> lastLines;
    private final boolean isTransient;

    public ActivationException(String message, int exitCode, List<String> lastLines, boolean isTransient, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.lastLines = List.copyOf(lastLines);
        this.isTransient = isTransient;
    }

    /** The process's exit code, or -1 when it did not exit by itself. */
    public int exitCode() {
        return exitCode;
    }

    /** The last lines it printed, oldest first. */
    public List<String> lastLines() {
        return lastLines;
    }

    @Override
    public boolean isTransient() {
        return isTransient;
    }
}
