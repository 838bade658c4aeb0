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
    private final boolean stopRequested;

    public ActivationException(String message, int exitCode, List<String> lastLines, boolean isTransient, Throwable cause) {
        this(message, exitCode, lastLines, isTransient, false, false, cause);
    }

    private ActivationException(String message, int exitCode, List<String> lastLines, boolean isTransient,
            boolean interrupted, boolean stopRequested, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.lastLines = List.copyOf(lastLines);
        this.isTransient = isTransient;
        this.interrupted = interrupted;
        this.stopRequested = stopRequested;
    }

    /**
     * The rebuild was stopped, not failed: {@code message} says how; retried, not quarantined the first
     * time. Without a stop request the daemon saw, it counts: a release whose rebuild is killed twice (the
     * OOM killer) is quarantined.
     */
    public static ActivationException interrupted(String message, int exitCode, List<String> lastLines, Throwable cause) {
        return new ActivationException(message, exitCode, lastLines, true, true, false, cause);
    }

    /**
     * The rebuild was killed by {@code signal}. SIGTERM, SIGINT and SIGHUP are how a stop is asked for
     * (systemd stopping the unit's control group, a shutdown, an operator's Ctrl-C): a stop requested,
     * never held against the release, even when it reached the rebuild before the daemon's own handler ran.
     * Any other signal (SIGKILL from the OOM killer) is an interruption nobody asked for: it counts.
     */
    public static ActivationException killedBy(int signal, String message, int exitCode, List<String> lastLines) {
        boolean stop = signal == 1 || signal == 2 || signal == 15;
        return new ActivationException(message, exitCode, lastLines, true, true, stop, null);
    }

    /**
     * {@code failure} seen as an interruption, because a shutdown was requested while the rebuild ran:
     * never counted against the release.
     */
    public static ActivationException interruptedByShutdown(NpcnixException failure) {
        List<String> lines = failure instanceof ActivationException a ? a.lastLines : List.of();
        int code = failure instanceof ActivationException a ? a.exitCode : -1;
        return new ActivationException(failure.getMessage() + " (after a shutdown request)", code, lines, true, true, true,
                failure);
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
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
