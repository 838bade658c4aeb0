package dev.npcnix.follow;

import dev.npcnix.rollout.RolloutBoard;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where "this host's release failed (its activation, or its checks)" reaches the rollout:
 * {@code failed/<wave>/<host>}, then {@code halt} when the wave's failures since the last resume exceed its
 * budget. Shared by {@link Gate} (a verdict within the poll that passed the gate) and {@link Reconcile} (the
 * verdict after a reboot the release needed), so both count failures against the budget the same way.
 */
final class RolloutVerdict {
    private static final Logger log = LoggerFactory.getLogger(RolloutVerdict.class);

    private RolloutVerdict() {
    }

    static void failed(RolloutBoard board, int wave, int budget, String host, String message, Instant now) {
        board.mark(RolloutBoard.Marker.FAILED, wave, host, now, message);
        RolloutBoard.Snapshot after = board.snapshot();
        Instant forgiven = after.resumed().orElse(Instant.MIN);
        long failures = after.in(RolloutBoard.Marker.FAILED, wave).values().stream().filter(t -> t.isAfter(forgiven)).count();
        if (failures > budget) {
            boolean first = board.halt(new RolloutBoard.Halt(host, wave, failures + " failed in wave " + wave
                    + " (budget " + budget + "); " + host + ": " + message, now));
            log.error("rollout {}: {} failed hosts in wave {}, over its budget of {}: {}", board.rolloutId(), failures, wave,
                    budget, first ? "halted it" : "it was halted already");
        }
    }
}
