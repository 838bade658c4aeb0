package dev.npcnix.rollout;

import dev.npcnix.InvalidInputException;
import dev.npcnix.local.Digests;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a release reaches the fleet: ordered waves, each opening only when the earlier ones applied the
 * release and soaked. A host belongs to the first wave that selects it (by tag, or by its stable
 * percentage bucket), else to the last one. Immutable; validated when built, so a bad policy fails at
 * {@code publish}, never on a host.
 *
 * @param waves at least one, in order
 * @param maxInFlight hosts activating at once across the fleet (leases); 0 for no limit
 * @param onHalt what hosts that applied the release do after a halt
 * @param leaseTtl how long a lease holds before another host may take it over (a crashed host's lease)
 * @param hostTimeout how long a host of an open wave that joined but never applied or failed holds the
 *     next wave before it is counted silent and no longer waited for
 */
public record RolloutPolicy(List<Wave> waves, int maxInFlight, OnHalt onHalt, Duration leaseTtl, Duration hostTimeout) {

    /** Buckets a host can fall in: a percentage has two decimals. */
    public static final int BUCKETS = 10_000;
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofHours(1);
    public static final Duration DEFAULT_HOST_TIMEOUT = Duration.ofHours(1);

    /** What hosts that already applied a halted release do. */
    public enum OnHalt {
        /** Keep it. */
        STAY,
        /** Switch back to what they ran before (through safe activation's rollback). */
        ROLLBACK
    }

    /**
     * One wave.
     *
     * @param tags hosts with any of these tags (empty: select by {@code percent})
     * @param percent cumulative share of the fleet (0 < p <= 100) the waves up to this one reach, when no tags
     * @param soak how long after its last host applied the release the next wave waits
     * @param failureBudget failed hosts tolerated in this wave; one more halts the rollout
     */
    public record Wave(List<String> tags, double percent, Duration soak, int failureBudget) {
        public Wave {
            tags = List.copyOf(tags);
            Objects.requireNonNull(soak, "soak");
            if (tags.isEmpty() && !(percent > 0 && percent <= 100)) {
                throw new InvalidInputException("rollout wave: percent " + percent + " is not in (0, 100]");
            }
            if (!tags.isEmpty() && percent != 0) {
                throw new InvalidInputException("rollout wave: select by tags or by percent, not both");
            }
            for (String t : tags) {
                requireTag(t);
            }
            if (soak.isNegative()) {
                throw new InvalidInputException("rollout wave: negative soak " + soak);
            }
            if (failureBudget < 0) {
                throw new InvalidInputException("rollout wave: negative failure budget " + failureBudget);
            }
        }

        public static Wave percent(double percent, Duration soak, int failureBudget) {
            return new Wave(List.of(), percent, soak, failureBudget);
        }

        public static Wave tagged(List<String> tags, Duration soak, int failureBudget) {
            return new Wave(tags, 0, soak, failureBudget);
        }

        /** As people read it: {@code 10%} or {@code tags canary}. */
        public String describe() {
            if (!tags.isEmpty()) {
                return "tags " + String.join(",", tags);
            }
            return (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
        }

        /** The bucket below which a host is in this wave, or -1 for a tag wave. */
        int threshold() {
            return tags.isEmpty() ? (int) Math.round(percent * (BUCKETS / 100.0)) : -1;
        }
    }

    public RolloutPolicy {
        waves = List.copyOf(waves);
        Objects.requireNonNull(onHalt, "onHalt");
        Objects.requireNonNull(leaseTtl, "leaseTtl");
        Objects.requireNonNull(hostTimeout, "hostTimeout");
        if (waves.isEmpty()) {
            throw new InvalidInputException("rollout policy: no waves");
        }
        if (waves.size() > 100) {
            throw new InvalidInputException("rollout policy: " + waves.size() + " waves, at most 100");
        }
        double last = 0;
        for (Wave w : waves) {
            if (w.tags().isEmpty()) {
                if (w.percent() < last) {
                    throw new InvalidInputException("rollout policy: percentages are cumulative and must not decrease ("
                            + w.percent() + " after " + last + ")");
                }
                last = w.percent();
            }
        }
        if (maxInFlight < 0 || maxInFlight > 10_000) {
            throw new InvalidInputException("rollout policy: max_in_flight " + maxInFlight + " is not in 0..10000");
        }
        if (leaseTtl.compareTo(Duration.ofMinutes(1)) < 0 || hostTimeout.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new InvalidInputException("rollout policy: lease_ttl and host_timeout must be at least 1 minute");
        }
    }

    /**
     * The common case as {@code publish} flags give it: a canary wave of {@code canaryPercent} (none when 0),
     * then the cumulative {@code percents}, the last one made 100, each soaking {@code soak}.
     */
    public static RolloutPolicy of(double canaryPercent, List<Double> percents, Duration soak, int failureBudget,
            int maxInFlight, OnHalt onHalt) {
        List<Wave> ws = new java.util.ArrayList<>();
        if (canaryPercent > 0) {
            ws.add(Wave.percent(canaryPercent, soak, failureBudget));
        }
        for (double p : percents) {
            ws.add(Wave.percent(p, soak, failureBudget));
        }
        if (ws.isEmpty() || ws.get(ws.size() - 1).percent() < 100) {
            ws.add(Wave.percent(100, soak, failureBudget));
        }
        // the last wave's soak would delay nothing: keep it 0 so status does not announce a wait that is not one
        Wave lastWave = ws.remove(ws.size() - 1);
        ws.add(new Wave(lastWave.tags(), lastWave.percent(), Duration.ZERO, lastWave.failureBudget()));
        return new RolloutPolicy(ws, maxInFlight, onHalt, DEFAULT_LEASE_TTL, DEFAULT_HOST_TIMEOUT);
    }

    /**
     * The wave of a host: the first wave selecting it (a tag wave when it has one of the tags, a percentage
     * wave when its bucket is below the wave's cumulative threshold), else the last wave.
     */
    public int waveOf(String hostId, Set<String> hostTags, String rolloutId) {
        int bucket = bucket(hostId, rolloutId);
        for (int i = 0; i < waves.size(); i++) {
            Wave w = waves.get(i);
            if (w.tags().isEmpty() ? bucket < w.threshold() : w.tags().stream().anyMatch(hostTags::contains)) {
                return i;
            }
        }
        return waves.size() - 1;
    }

    /**
     * A host's stable place in {@code [0, 10000)} for one rollout: the first 8 bytes of
     * SHA-256(host id + "\n" + rollout id), unsigned, mod 10000. A new rollout reshuffles the fleet, so the
     * same hosts are not always the canaries.
     */
    public static int bucket(String hostId, String rolloutId) {
        byte[] d = Digests.sha256().digest((hostId + "\n" + rolloutId).getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(v, BUCKETS);
    }

    /** A host tag: what {@code --tag} accepts. */
    public static String requireTag(String tag) {
        if (tag == null || !tag.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new InvalidInputException("tag '" + tag + "': letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64");
        }
        return tag;
    }

    /** One line: {@code waves 1% (soak 15m) → 10% (soak 15m) → 100%; max in flight 20; on halt stay}. */
    public String describe() {
        StringBuilder b = new StringBuilder("waves ");
        for (int i = 0; i < waves.size(); i++) {
            Wave w = waves.get(i);
            b.append(i == 0 ? "" : " -> ").append(w.describe());
            if (!w.soak().isZero() && i < waves.size() - 1) {
                b.append(" (soak ").append(GateRule.human(w.soak())).append(')');
            }
            if (w.failureBudget() > 0) {
                b.append(" (budget ").append(w.failureBudget()).append(')');
            }
        }
        b.append("; max in flight ").append(maxInFlight == 0 ? "unlimited" : String.valueOf(maxInFlight));
        b.append("; on halt ").append(onHalt.name().toLowerCase(java.util.Locale.ROOT));
        return b.toString();
    }

    /** Total soak of the waves before {@code wave}: the least time a rollout takes to reach it. */
    public Duration soakBefore(int wave) {
        Duration d = Duration.ZERO;
        for (int i = 0; i < wave; i++) {
            d = d.plus(waves.get(i).soak());
        }
        return d;
    }
}
