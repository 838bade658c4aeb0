package dev.npcnix.follow;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;

/**
 * A trial was cut short: the daemon was killed or stopped, or the host rebooted, before the checks
 * decided. Recorded as {@code interrupted} and tried again. A stop the daemon saw requested
 * ({@link #stopRequested()}, {@code stop.json}) never counts against the release; an interruption found
 * only afterwards does, and the second one of the same release quarantines it (a release that keeps
 * taking the host down is to blame). {@link #leavesTrial()}: the poll was stopped while the trial system runs; nothing is recorded
 * and the pending trial is left for the next start to finish.
 */
public final class InterruptedTrialException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final boolean leavesTrial;
    private final boolean stopRequested;

    /** @param stopRequested the daemon saw the stop requested: not held against the release */
    InterruptedTrialException(String message, boolean leavesTrial, boolean stopRequested, Throwable cause) {
        super(message, cause);
        this.leavesTrial = leavesTrial;
        this.stopRequested = stopRequested;
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
    }

    boolean leavesTrial() {
        return leavesTrial;
    }

    @Override
    public boolean isTransient() {
        return true;
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.INTERRUPTED;
    }
}
