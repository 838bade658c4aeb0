package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.local.Durations;
import dev.npcnix.state.DataDir;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.LogCapture;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.host.HostFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BootstrapTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private final List<String> progress = new ArrayList<>();
    private final List<Duration> sleeps = new ArrayList<>();
    private TestClock clock;
    private FakeNixosRebuild rebuild;
    private DataDir dataDir;
    private RemoteUri remote;

    @BeforeEach
    void setUp() {
        clock = host.clock();
        rebuild = host.rebuild();
        dataDir = host.dataDir();
        remote = host.remote();
    }

    private void publish() {
        host.publish();
    }

    /** A sleeper that moves the test clock, and publishes the remote after {@code publishAfter} sleeps. */
    private Bootstrap bootstrap(int publishAfter) {
        Sleeper sleeper = d -> {
            sleeps.add(d);
            clock.advance(d);
            if (sleeps.size() == publishAfter) {
                publish();
            }
        };
        return new Bootstrap(dataDir, host.follower(), clock, sleeper, new SplittableRandom(1), progress::add);
    }

    @Test
    void waitsForARemoteThatAppearsOnlyAfterAWhile() throws Exception {
        PollOutcome outcome = bootstrap(4).run(Optional.empty(), Duration.ofMinutes(30));

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        assertThat(sleeps).hasSize(4);
        assertThat(sleeps.get(3)).isGreaterThan(sleeps.get(0)); // backing off
        assertThat(progress).containsExactly("bootstrap: activated web");
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void eachWaitForTheFirstReleaseIsOneWarningThatSaysWhenItGivesUp() throws Exception {
        long mark = LogCapture.mark();
        bootstrap(6).run(Optional.empty(), Duration.ofMinutes(30));

        String log = LogCapture.since(mark);
        List<String> waits = log.lines().filter(l -> l.contains("bootstrap: waiting for web: remote " + remote + ": not found")).toList();
        assertThat(waits).hasSize(6).allSatisfy(l -> assertThat(l).contains(" WARN "));
        assertThat(log).as("a first boot before the first publish is no error").doesNotContain(" ERROR ");
        assertThat(sleeps).as("the waits never shrink").isSortedAccordingTo(Comparator.naturalOrder());
        assertThat(sleeps.get(5)).isGreaterThan(sleeps.get(0));
        assertThat(waits.get(0)).contains("trying again in " + sleeps.get(0).toSeconds() + "s (gives up in 30m)");
        Duration waited = sleeps.subList(0, 5).stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(waits.get(5)).endsWith("(gives up in " + Durations.format(Duration.ofMinutes(30).minus(waited)) + ")");
    }

    @Test
    void theLastWaitIsCutToTheDeadlineAndSaysSo() {
        long mark = LogCapture.mark();
        assertThatThrownBy(() -> bootstrap(Integer.MAX_VALUE).run(Optional.empty(), Duration.ofSeconds(20)))
                .isInstanceOf(StoreException.class);
        assertThat(sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofSeconds(20));
        String log = LogCapture.since(mark);
        assertThat(log).contains("bootstrap: giving up after " + (sleeps.size() + 1) + " tries: remote " + remote + ": not found");
        Duration last = sleeps.get(sleeps.size() - 1);
        assertThat(log).contains("trying again in " + last.toSeconds() + "s (gives up in " + last.toSeconds() + "s)");
    }

    @Test
    void givesUpAfterTheTimeoutWithTheStoreError() {
        assertThatThrownBy(() -> bootstrap(Integer.MAX_VALUE).run(Optional.empty(), Duration.ofMinutes(5)))
                .isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.NOT_FOUND));
        Duration waited = sleeps.stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(waited).isEqualTo(Duration.ofMinutes(5));
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void appliesTheInitialConfigurationFirstAndIsSafeToRunAgain() throws Exception {
        publish();
        bootstrap(0).run(Optional.of(ConfigurationName.of("base")), Duration.ofMinutes(1));
        assertThat(rebuild.invocations()).extracting(FakeNixosRebuild.Invocation::flakeRef)
                .satisfiesExactly(r -> assertThat(r).endsWith("#base"), r -> assertThat(r).endsWith("#web"));

        PollOutcome again = bootstrap(0).run(Optional.of(ConfigurationName.of("base")), Duration.ofMinutes(1));
        assertThat(again).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void aFailingReleaseFailsAtOnce() {
        publish();
        rebuild.exitWith(2);
        assertThatThrownBy(() -> bootstrap(0).run(Optional.empty(), Duration.ofMinutes(30)))
                .hasMessageStartingWith("nixos-rebuild exited 2");
        assertThat(sleeps).isEmpty();
    }
}
