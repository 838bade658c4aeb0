package dev.npcnix.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which wave a host is in, and the policy as publish reads and writes it. */
class RolloutPolicyTest {
    private static final Duration SOAK = Duration.ofMinutes(15);
    private static final RolloutPolicy WAVES = RolloutPolicy.of(1, List.of(10.0, 50.0, 100.0), SOAK, 0, 20,
            RolloutPolicy.OnHalt.STAY);

    @Test
    void aHostsWaveIsTheSameEveryTimeItIsAskedForTheSameRollout() {
        for (int i = 0; i < 100; i++) {
            String host = "host-" + i;
            assertThat(WAVES.waveOf(host, Set.of(), "1767225600000")).isEqualTo(WAVES.waveOf(host, Set.of(), "1767225600000"));
        }
        assertThat(RolloutPolicy.bucket("i-0abc", "42")).isEqualTo(RolloutPolicy.bucket("i-0abc", "42"))
                .isBetween(0, RolloutPolicy.BUCKETS - 1);
    }

    @Test
    void cumulativePercentagesPutAboutThatShareOfTheFleetInEachWave() {
        int[] counts = new int[4];
        for (int i = 0; i < 10_000; i++) {
            counts[WAVES.waveOf("host-" + i, Set.of(), "abcdef012345")]++;
        }
        // 1 %, then up to 10 % (9 more), up to 50 % (40 more), the rest (50 %): within sampling noise
        assertThat(counts[0]).isBetween(70, 130);
        assertThat(counts[1]).isBetween(800, 1000);
        assertThat(counts[2]).isBetween(3800, 4200);
        assertThat(counts[3]).isBetween(4800, 5200);
    }

    @Test
    void aNewRolloutReshufflesWhoIsACanary() {
        long same = java.util.stream.IntStream.range(0, 1000)
                .filter(i -> WAVES.waveOf("host-" + i, Set.of(), "1") == 0 && WAVES.waveOf("host-" + i, Set.of(), "2") == 0).count();
        long canaries = java.util.stream.IntStream.range(0, 1000).filter(i -> WAVES.waveOf("host-" + i, Set.of(), "1") == 0).count();
        assertThat(same).isLessThan(Math.max(2, canaries));
    }

    @Test
    void aTagWaveTakesTheHostsWithOneOfItsTagsAndAHostMatchingNothingIsInTheLastWave() {
        RolloutPolicy p = new RolloutPolicy(List.of(
                RolloutPolicy.Wave.tagged(List.of("canary"), SOAK, 0),
                RolloutPolicy.Wave.tagged(List.of("eu", "staging"), SOAK, 1),
                RolloutPolicy.Wave.tagged(List.of("us"), Duration.ZERO, 0)), 0, RolloutPolicy.OnHalt.STAY,
                RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);

        assertThat(p.waveOf("a", Set.of("canary", "us"), "1")).isZero();
        assertThat(p.waveOf("b", Set.of("staging"), "1")).isEqualTo(1);
        assertThat(p.waveOf("c", Set.of("us"), "1")).isEqualTo(2);
        assertThat(p.waveOf("d", Set.of("asia"), "1")).isEqualTo(2);
        assertThat(p.waveOf("e", Set.of(), "1")).isEqualTo(2);
    }

    @Test
    void percentagesBelowOneHundredLeaveTheRestToTheLastWave() {
        RolloutPolicy p = new RolloutPolicy(List.of(RolloutPolicy.Wave.tagged(List.of("canary"), SOAK, 0),
                RolloutPolicy.Wave.percent(5, SOAK, 0)), 0, RolloutPolicy.OnHalt.STAY, RolloutPolicy.DEFAULT_LEASE_TTL,
                RolloutPolicy.DEFAULT_HOST_TIMEOUT);
        int inLast = 0;
        for (int i = 0; i < 1000; i++) {
            inLast += p.waveOf("h" + i, Set.of(), "9") == 1 ? 1 : 0;
        }
        assertThat(inLast).isEqualTo(1000); // no host is left out: everyone not tagged is in the last wave
    }

    @Test
    void theFlagsOfTheCommonCaseMakeACanaryThenTheWavesEndingAtOneHundredWithoutATrailingSoak() {
        RolloutPolicy p = RolloutPolicy.of(1, List.of(10.0, 50.0), SOAK, 2, 5, RolloutPolicy.OnHalt.ROLLBACK);

        assertThat(p.waves()).extracting(RolloutPolicy.Wave::percent).containsExactly(1.0, 10.0, 50.0, 100.0);
        assertThat(p.waves()).extracting(RolloutPolicy.Wave::soak).containsExactly(SOAK, SOAK, SOAK, Duration.ZERO);
        assertThat(p.soakBefore(3)).isEqualTo(SOAK.multipliedBy(3));
        assertThat(p.describe()).isEqualTo("waves 1% (soak 15m) (budget 2) -> 10% (soak 15m) (budget 2) -> 50% (soak 15m) (budget 2)"
                + " -> 100% (budget 2); max in flight 5; on halt rollback");
    }

    @Test
    void thePolicyRoundTripsThroughJsonAsPublishWritesIt() {
        RolloutPolicy p = new RolloutPolicy(List.of(RolloutPolicy.Wave.tagged(List.of("canary"), SOAK, 0),
                RolloutPolicy.Wave.percent(12.5, Duration.ofMinutes(30), 3), RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)),
                20, RolloutPolicy.OnHalt.ROLLBACK, Duration.ofMinutes(45), Duration.ofHours(2));

        byte[] json = RolloutPolicyJson.toJson(p);

        assertThat(RolloutPolicyJson.parse(json, "test")).isEqualTo(p);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"soak_secs\" : 900", "\"on_halt\" : \"rollback\"",
                "\"percent\" : 12.5", "\"tags\" : [ \"canary\" ]");
    }

    @Test
    void aHandWrittenPolicyTakesDefaultsAndRefusesWhatItDoesNotKnow() {
        RolloutPolicy p = RolloutPolicyJson.parse("""
                {"waves": [{"tags": ["canary"], "soak_secs": 600}, {"percent": 100}]}""".getBytes(StandardCharsets.UTF_8), "f");
        assertThat(p.maxInFlight()).isZero();
        assertThat(p.onHalt()).isEqualTo(RolloutPolicy.OnHalt.STAY);
        assertThat(p.waves().get(0).failureBudget()).isZero();

        assertThatThrownBy(() -> RolloutPolicyJson.parse("""
                {"waves": [{"percent": 100, "failure_budjet": 3}]}""".getBytes(StandardCharsets.UTF_8), "rollout.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("rollout.json: unknown field waves[].failure_budjet");
        assertThatThrownBy(() -> RolloutPolicyJson.parse("""
                {"waves": [{"percent": 50}, {"percent": 10}]}""".getBytes(StandardCharsets.UTF_8), "p.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("cumulative");
        assertThatThrownBy(() -> RolloutPolicyJson.parse("""
                {"waves": [{"percent": 10, "tags": ["a"]}]}""".getBytes(StandardCharsets.UTF_8), "p.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("either tags or percent");
        assertThatThrownBy(() -> RolloutPolicyJson.parse("{\"waves\": []}".getBytes(StandardCharsets.UTF_8), "p.json"))
                .isInstanceOf(InvalidInputException.class).hasMessage("p.json: no waves");
        assertThatThrownBy(() -> RolloutPolicyJson.parse("not json".getBytes(StandardCharsets.UTF_8), "p.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("p.json: not JSON");
    }
}
