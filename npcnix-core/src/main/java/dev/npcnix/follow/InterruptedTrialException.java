package dev.npcnix.follow;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;

/**
 * A trial was cut short: the daemon was killed or stopped, or the host rebooted, before the checks
 * decided. Not the release's fault: recorded as {@code interrupted} and tried once more; a second
 * interruption of the same release quarantines it (a release that keeps taking the host down is to
 * blame). {@link #leavesTrial()}: the poll was stopped while the trial system runs; nothing is recorded
 * and the pending trial is left for the next start to finish.
 */
public final class InterruptedTrialException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final boolean leavesTrial;

    InterruptedTrialException(String message, boolean leavesTrial, Throwable cause) {
        super(message, cause);
        this.leavesTrial = leavesTrial;
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
