package dev.npcnix.rollout;

import dev.npcnix.rollout.RolloutBoard.Marker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a wave is open: one pure function of the policy, one listing of the board and the store's time.
 * The rule (docs/rollouts.md):
 * <ul>
 * <li>a {@code halt} closes every wave;
 * <li>wave 0 is open from the start; a wave with an {@code open/<k>} object stays open (late joiners of
 *     earlier waves do not close it again);
 * <li>otherwise wave k opens when wave k-1 is open, every host that joined wave k-1 has applied the release
 *     or failed (or is silent: joined, nothing else, for longer than {@code host_timeout} since its wave
 *     opened), its failures since the last resume are within its budget, and wave k-1's soak has passed
 *     since the last of its hosts applied it (or since it opened, when nobody joined it).
 * </ul>
 * Every time is the store's LastModified: hosts' clocks only enter through the store-time estimate of "now".
 */
public final class GateRule {
    private GateRule() {
    }

    /** What one wave looks like now. */
    public record WaveView(int wave, RolloutPolicy.Wave policy, boolean open, Optional<Instant> opensAt, Set<String> joined,
            Set<String> applied, Set<String> failed, Set<String> silent, Set<String> waiting, int failuresCounted,
            String reason) {

        /** Joined, neither applied nor failed nor silent: what holds the next wave. */
        public int pending() {
            return waiting.size();
        }
    }

    /** The gate's answer for one host. */
    public sealed interface Decision {
        /** The host may go (given a lease). */
        record Open(boolean firstToSee) implements Decision {
        }

        /**
         * Not yet.
         *
         * @param opensAt when the wave will open by the store's clock if nothing else changes (a soak running), or
         *     empty when it waits on hosts
         */
        record Closed(String reason, Optional<Instant> opensAt) implements Decision {
        }

        /** The rollout is halted. */
        record Halted() implements Decision {
        }
    }

    /** The decision for a host of {@code wave}. */
    public static Decision decide(RolloutPolicy policy, RolloutBoard.Snapshot board, int wave, Instant storeNow) {
        if (board.halted().isPresent()) {
            return new Decision.Halted();
        }
        WaveView view = waves(policy, board, storeNow).get(wave);
        if (view.open()) {
            return new Decision.Open(wave > 0 && !board.opened().containsKey(wave));
        }
        return new Decision.Closed(view.reason(), view.opensAt());
    }

    /** Every wave, in order, as the rule sees it at {@code storeNow}. */
    public static List<WaveView> waves(RolloutPolicy policy, RolloutBoard.Snapshot board, Instant storeNow) {
        List<WaveView> out = new ArrayList<>();
        Instant opened = board.started().orElse(storeNow);
        boolean open = true;
        String reason = "";
        Optional<Instant> opensAt = Optional.of(opened);
        Instant forgiven = board.resumed().orElse(Instant.MIN);
        for (int k = 0; k < policy.waves().size(); k++) {
            if (k > 0) {
                WaveView previous = out.get(k - 1);
                Instant marked = board.opened().get(k);
                if (marked != null) {
                    open = true;
                    opensAt = Optional.of(marked);
                    reason = "";
                } else if (!previous.open()) {
                    open = false;
                    opensAt = Optional.empty();
                    reason = "wave " + (k - 1) + " is not open yet";
                } else if (previous.failuresCounted() > previous.policy().failureBudget()) {
                    open = false;
                    opensAt = Optional.empty();
                    reason = "wave " + (k - 1) + " has " + previous.failuresCounted() + " failed hosts, over its budget of "
                            + previous.policy().failureBudget();
                } else if (previous.pending() > 0) {
                    open = false;
                    opensAt = Optional.empty();
                    reason = "wave " + (k - 1) + ": " + previous.pending() + " of " + previous.joined().size()
                            + " hosts have not applied the release yet";
                } else {
                    Instant lastDone = previous.opensAt().orElse(storeNow);
                    for (Instant t : board.in(Marker.APPLIED, k - 1).values()) {
                        lastDone = t.isAfter(lastDone) ? t : lastDone;
                    }
                    Instant at = lastDone.plus(previous.policy().soak());
                    open = !at.isAfter(storeNow);
                    opensAt = Optional.of(at);
                    reason = open ? "" : "wave " + (k - 1) + " soaking until " + at + " (" + human(Duration.between(storeNow, at))
                            + " left)";
                }
            }
            out.add(view(policy, board, k, open, opensAt, reason, storeNow, forgiven));
        }
        return out;
    }

    private static WaveView view(RolloutPolicy policy, RolloutBoard.Snapshot board, int k, boolean open, Optional<Instant> opensAt,
            String reason, Instant storeNow, Instant forgiven) {
        Map<String, Instant> joined = board.in(Marker.JOINED, k);
        Map<String, Instant> applied = board.in(Marker.APPLIED, k);
        Map<String, Instant> failed = board.in(Marker.FAILED, k);
        Set<String> silent = new TreeSet<>();
        Set<String> waiting = new TreeSet<>();
        for (Map.Entry<String, Instant> j : joined.entrySet()) {
            String host = j.getKey();
            if (applied.containsKey(host) || failed.containsKey(host)) {
                continue;
            }
            Instant since = open && opensAt.isPresent() && opensAt.get().isAfter(j.getValue()) ? opensAt.get() : j.getValue();
            if (open && Duration.between(since, storeNow).compareTo(policy.hostTimeout()) > 0) {
                silent.add(host);
            } else {
                waiting.add(host);
            }
        }
        int counted = (int) failed.values().stream().filter(t -> t.isAfter(forgiven)).count();
        return new WaveView(k, policy.waves().get(k), open, opensAt, new TreeSet<>(joined.keySet()), new TreeSet<>(applied.keySet()),
                new TreeSet<>(failed.keySet()), silent, waiting, counted, reason);
    }

    /** {@code 14m 5s}, for reasons people read. */
    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 3600) {
            return (s / 3600) + "h" + (s % 3600 / 60 == 0 ? "" : " " + (s % 3600 / 60) + "m");
        }
        return s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : " " + (s % 60) + "s") : s + "s";
    }
}
