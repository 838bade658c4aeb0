package dev.npcnix.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.rollout.RolloutPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's rollout simulation, small (40 hosts, waves 5 %/25 %/50 %/100 %, so the canary wave
 * still holds about two hosts): the properties it measures at 1,000 hosts (waves 1 %/10 %/50 %/100 %),
 * asserted (never timings of this machine: every time here is virtual). Kept small for CI's time; the
 * figures come from the bench ({@code src-test-fixtures/bench/run --only fleet}).
 */
class RolloutSimulationTest {
    @TempDir
    Path tmp;

    private static final int HOSTS = 40;
    private static final Duration SOAK = Duration.ofMinutes(15);
    private static final RolloutPolicy WAVES = RolloutPolicy.of(5, List.of(25.0, 50.0), SOAK, 0, 3, RolloutPolicy.OnHalt.STAY);

    @Test
    void aBadReleaseIsActivatedByAtMostTheCanaryWaveAndHaltedForEveryoneWithinOnePollInterval() throws Exception {
        RolloutSimulation.Result r = new RolloutSimulation(tmp, HOSTS, Duration.ofMinutes(5), 4).run(WAVES, true, Duration.ofMinutes(30),
                Duration.ofMinutes(10));

        assertThat(r.firstFailure()).isPresent();
        assertThat(r.activatedBad()).isBetween(1, Math.max(1, r.waveZeroHosts()));
        assertThat(r.haltSeenWithin()).isLessThanOrEqualTo(r.maxPollInterval().plusSeconds(2));
        assertThat(r.maxInFlight()).isLessThanOrEqualTo(r.maxInFlightAllowed());
    }

    @Test
    void aGoodReleaseReachesEveryHostWithinTheSoaksPlusTwoPollIntervalsAndMaxInFlightHolds() throws Exception {
        RolloutSimulation.Result r = new RolloutSimulation(tmp, HOSTS, Duration.ofMinutes(5), 4).run(WAVES, false, Duration.ofHours(2),
                Duration.ofMinutes(20));

        assertThat(r.stillWaiting()).isZero();
        assertThat(r.reachedAll()).isLessThanOrEqualTo(r.soaks().plus(r.maxPollInterval().multipliedBy(2)));
        assertThat(r.reachedAll()).isGreaterThanOrEqualTo(r.soaks());
        assertThat(r.maxInFlight()).isBetween(1, r.maxInFlightAllowed());
        // a quiet fleet pays what it paid before rollouts: one conditional GET per poll
        assertThat(r.quietPerHostHour()).isBetween(25.0, 35.0);
    }
}
