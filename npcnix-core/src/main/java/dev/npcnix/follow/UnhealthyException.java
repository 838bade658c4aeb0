package dev.npcnix.follow;

import dev.npcnix.ErrorClass;
import dev.npcnix.NpcnixException;
import dev.npcnix.health.CheckResult;
import java.util.List;

/**
 * A release was applied, failed its health checks (or its activation failed half-way), and the
 * previous generation was re-activated: error class {@code unhealthy}, the release is quarantined. With
 * {@link #rollbackFailed()} the re-activation failed too: the host runs a system that failed its checks
 * and an operator must look (outcome {@code rollback failed}).
 */
public final class UnhealthyException extends NpcnixException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> failing;
    private final transient List<CheckResult> checks;
    private final boolean rollbackFailed;

    UnhealthyException(String message, List<String> failing, List<CheckResult> checks, boolean rollbackFailed, Throwable cause) {
        super(message, cause);
        this.failing = List.copyOf(failing);
        this.checks = List.copyOf(checks);
        this.rollbackFailed = rollbackFailed;
    }

    /** The checks that failed (or {@code activation}, {@code boot}), in order. */
    public List<String> failing() {
        return failing;
    }

    /** Every check's last result. */
    public List<CheckResult> checks() {
        return checks;
    }

    /** Re-activating the previous generation failed as well. */
    public boolean rollbackFailed() {
        return rollbackFailed;
    }

    @Override
    public boolean isTransient() {
        return false;
    }

    @Override
    public ErrorClass errorClass() {
        return ErrorClass.UNHEALTHY;
    }
}
