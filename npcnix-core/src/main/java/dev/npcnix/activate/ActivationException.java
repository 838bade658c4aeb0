package dev.npcnix.activate;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@code nixos-rebuild} failed: a non-zero exit (carrying its code and last output lines), a timeout,
 * or it could not be started. A failing rebuild is deterministic for that release; a missing
 * executable is a host problem and transient; a rebuild killed by a signal, or one that failed after a
 * shutdown was requested, was interrupted ({@link ErrorClass#INTERRUPTED}): not the release's fault.
 */
public final class ActivationException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final transient List<String> lastLines;
    private final boolean isTransient;
    private final boolean interrupted;

    public ActivationException(String message, int exitCode, List<String> lastLines, boolean isTransient, Throwable cause) {
        this(message, exitCode, lastLines, isTransient, false, cause);
    }

    private ActivationException(String message, int exitCode, List<String> lastLines, boolean isTransient,
            boolean interrupted, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.lastLines = List.copyOf(lastLines);
        this.isTransient = isTransient;
        this.interrupted = interrupted;
    }

    /** The rebuild was stopped, not failed: {@code message} says how; retried, never quarantined. */
    public static ActivationException interrupted(String message, int exitCode, List<String> lastLines, Throwable cause) {
        return new ActivationException(message, exitCode, lastLines, true, true, cause);
    }

    /** {@code failure} seen as an interruption, because a shutdown was requested while the rebuild ran. */
    public static ActivationException interruptedByShutdown(NpcnixException failure) {
        List<String> lines = failure instanceof ActivationException a ? a.lastLines : List.of();
        int code = failure instanceof ActivationException a ? a.exitCode : -1;
        return new ActivationException(failure.getMessage() + " (after a shutdown request)", code, lines, true, true, failure);
    }

    /**
     * The signal that ended a process which exited {@code code}: 128 + n is how a shell reports a child
     * killed by signal n, and how the JDK reports a process that was itself killed by one.
     */
    public static OptionalInt signalOf(int code) {
        return code > 128 && code <= 128 + 64 ? OptionalInt.of(code - 128) : OptionalInt.empty();
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

    @Override
    public ErrorClass errorClass() {
        return interrupted ? ErrorClass.INTERRUPTED : super.errorClass();
    }
}
