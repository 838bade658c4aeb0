package dev.npcnix.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.rollout.RolloutBoard.Marker;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Each rule that opens or closes a wave, on listings built by hand (times are the store's). */
class GateRuleTest {
    private static final Instant T = Instant.parse("2026-01-05T10:00:00Z");
    private static final Duration SOAK = Duration.ofMinutes(15);
    private static final RolloutPolicy POLICY = new RolloutPolicy(List.of(RolloutPolicy.Wave.percent(1, SOAK, 0),
            RolloutPolicy.Wave.percent(10, SOAK, 1), RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)), 0,
            RolloutPolicy.OnHalt.STAY, Duration.ofHours(1), Duration.ofHours(1));

    /** A listing under construction. */
    private static final class Board {
        final Map<Marker, Map<Integer, Map<String, Instant>>> hosts = new HashMap<>();
        final Map<Integer, Instant> opened = new TreeMap<>();
        Optional<Instant> halted = Optional.empty();
        Optional<Instant> resumed = Optional.empty();

        Board mark(Marker kind, int wave, String host, Instant at) {
            hosts.computeIfAbsent(kind, k -> new TreeMap<>()).computeIfAbsent(wave, w -> new TreeMap<>()).put(host, at);
            return this;
        }

        RolloutBoard.Snapshot snapshot() {
            return new RolloutBoard.Snapshot(hosts, opened, halted, resumed, Map.of(), 0);
        }
    }

    private static GateRule.Decision decide(Board b, int wave, Instant now) {
        return GateRule.decide(POLICY, b.snapshot(), wave, now);
    }

    @Test
    void waveZeroIsOpenAtOnceAndTheNextWaitsForEveryHostThatJoinedIt() {
        Board b = new Board().mark(Marker.JOINED, 0, "a", T).mark(Marker.JOINED, 0, "b", T).mark(Marker.APPLIED, 0, "a", T.plusSeconds(60));

        assertThat(decide(b, 0, T)).isInstanceOf(GateRule.Decision.Open.class);
        assertThat(decide(b, 1, T.plus(Duration.ofHours(0).plusMinutes(30)))).isInstanceOfSatisfying(GateRule.Decision.Closed.class,
                c -> {
                    assertThat(c.reason()).isEqualTo("wave 0: 1 of 2 hosts have not applied the release yet");
                    assertThat(c.opensAt()).isEmpty();
                });
        assertThat(decide(b, 2, T)).isInstanceOfSatisfying(GateRule.Decision.Closed.class,
                c -> assertThat(c.reason()).isEqualTo("wave 1 is not open yet"));
    }

    @Test
    void theSoakCountsFromTheLastApplyOfThePreviousWave() {
        Instant last = T.plusSeconds(120);
        Board b = new Board().mark(Marker.JOINED, 0, "a", T).mark(Marker.APPLIED, 0, "a", T.plusSeconds(60))
                .mark(Marker.JOINED, 0, "b", T).mark(Marker.APPLIED, 0, "b", last);

        assertThat(decide(b, 1, last.plus(SOAK).minusSeconds(1))).isInstanceOfSatisfying(GateRule.Decision.Closed.class,
                c -> assertThat(c.opensAt()).contains(last.plus(SOAK)));
        assertThat(decide(b, 1, last.plus(SOAK))).isEqualTo(new GateRule.Decision.Open(true));
    }

    @Test
    void anOpenMarkerKeepsAWaveOpenWhenALateHostJoinsAnEarlierOne() {
        Board b = new Board().mark(Marker.JOINED, 0, "a", T).mark(Marker.APPLIED, 0, "a", T);
        b.opened.put(1, T.plus(SOAK));
        b.mark(Marker.JOINED, 0, "late", T.plus(SOAK).plusSeconds(30)); // came back after wave 1 opened

        assertThat(decide(b, 1, T.plus(SOAK).plusSeconds(60))).isEqualTo(new GateRule.Decision.Open(false));
        assertThat(decide(b, 0, T.plus(SOAK).plusSeconds(60))).isInstanceOf(GateRule.Decision.Open.class);
    }

    @Test
    void aHostThatJoinedAndNeverReportedHoldsTheNextWaveOnlyForTheHostTimeout() {
        Board b = new Board().mark(Marker.JOINED, 0, "a", T).mark(Marker.APPLIED, 0, "a", T).mark(Marker.JOINED, 0, "crashed", T);

        assertThat(decide(b, 1, T.plus(Duration.ofMinutes(59)))).isInstanceOf(GateRule.Decision.Closed.class);
        List<GateRule.WaveView> later = GateRule.waves(POLICY, b.snapshot(), T.plus(Duration.ofMinutes(61)));
        assertThat(later.get(0).silent()).containsExactly("crashed");
        assertThat(decide(b, 1, T.plus(Duration.ofMinutes(61)))).isInstanceOf(GateRule.Decision.Open.class);
    }

    @Test
    void aWaveNobodyJoinedHoldsTheNextOneForItsSoakOnly() {
        Board b = new Board().mark(Marker.JOINED, 1, "x", T);

        assertThat(decide(b, 1, T.plus(SOAK).minusSeconds(1))).isInstanceOf(GateRule.Decision.Closed.class);
        assertThat(decide(b, 1, T.plus(SOAK))).isInstanceOf(GateRule.Decision.Open.class);
    }

    @Test
    void failuresWithinTheBudgetDoNotHoldTheNextWaveOneMoreDoesAndAResumeForgivesThem() {
        Board b = new Board().mark(Marker.JOINED, 0, "a", T).mark(Marker.APPLIED, 0, "a", T);
        b.opened.put(1, T.plus(SOAK));
        b.mark(Marker.JOINED, 1, "b", T).mark(Marker.FAILED, 1, "b", T.plus(SOAK).plusSeconds(10));
        Instant now = T.plus(SOAK).plus(SOAK).plusSeconds(20);

        assertThat(decide(b, 2, now)).isInstanceOf(GateRule.Decision.Open.class); // budget 1

        b.mark(Marker.JOINED, 1, "c", T).mark(Marker.FAILED, 1, "c", T.plus(SOAK).plusSeconds(11));
        assertThat(decide(b, 2, now)).isInstanceOfSatisfying(GateRule.Decision.Closed.class,
                c -> assertThat(c.reason()).contains("2 failed hosts, over its budget of 1"));

        b.resumed = Optional.of(T.plus(SOAK).plusSeconds(12));
        assertThat(decide(b, 2, now)).isInstanceOf(GateRule.Decision.Open.class);
    }

    @Test
    void aHaltClosesEveryWave() {
        Board b = new Board().mark(Marker.JOINED, 0, "a", T);
        b.halted = Optional.of(T);

        assertThat(decide(b, 0, T)).isInstanceOf(GateRule.Decision.Halted.class);
        assertThat(decide(b, 2, T.plus(Duration.ofDays(1)))).isInstanceOf(GateRule.Decision.Halted.class);
    }
}
