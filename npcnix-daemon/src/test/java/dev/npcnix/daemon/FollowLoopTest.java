package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.StateException;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.host.HostFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The loop with the real poll step on a file store, a test clock and a sleeper that moves it. */
class FollowLoopTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private final List<Duration> sleeps = new ArrayList<>();
    private final List<PollOutcome> outcomes = new ArrayList<>();
    private boolean stop;
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
        // freshly bootstrapped: the poll interval starts at its minimum
        dataDir.storeSettings(dataDir.loadSettings().withLastReconfiguration(clock.instant(), null, HostFixture.WEB));
    }

    private void publish() {
        host.publish();
    }

    private FollowLoop loop(ExitPolicy policy, IntConsumer afterSleep) {
        Follower follower = host.follower();
        Sleeper sleeper = d -> {
            sleeps.add(d);
            clock.advance(d);
            afterSleep.accept(sleeps.size());
        };
        return new FollowLoop(follower, dataDir, clock, new SplittableRandom(7), sleeper, () -> stop, policy)
                .observe(outcomes::add);
    }

    @Test
    void backsOffWhileTheStoreFailsAndConvergesWhenItRecovers() throws Exception {
        int code = loop(ExitPolicy.NEVER, n -> {
            if (n == 6) {
                publish();
            }
            if (n == 9) {
                stop = true;
            }
        }).run();

        assertThat(code).isZero();
        assertThat(outcomes.subList(0, 6)).allSatisfy(o -> assertThat(o).isInstanceOfSatisfying(PollOutcome.Failed.class,
                f -> assertThat(f.isTransient()).isTrue()));
        assertThat(outcomes.get(6)).isInstanceOf(PollOutcome.Activated.class);
        assertThat(outcomes.subList(7, 9)).allSatisfy(o -> assertThat(o).isInstanceOf(PollOutcome.Unchanged.class));
        // exponential: the sixth wait is far longer than the first; after the activation, back to ~5 s
        assertThat(sleeps.get(5)).isGreaterThan(sleeps.get(0).multipliedBy(8));
        assertThat(sleeps.get(6)).isBetween(Duration.ofMillis(2_500), Duration.ofMillis(7_500));
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void onceActivateExitsAfterTheFirstActivation() throws Exception {
        int code = loop(ExitPolicy.ACTIVATE, n -> {
            if (n == 2) {
                publish();
            }
        }).run();
        assertThat(code).isZero();
        assertThat(outcomes).last().isInstanceOf(PollOutcome.Activated.class);
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void onceExitsOneOnAFailingRelease() throws Exception {
        publish();
        rebuild.exitWith(1);
        assertThat(loop(ExitPolicy.ANY, n -> { }).run()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void aDaemonWaitsForBootstrapButAOneShotRunFails() throws Exception {
        dataDir.storeSettings(Settings.empty());
        int code = loop(ExitPolicy.NEVER, n -> {
            if (n == 3) {
                dataDir.storeSettings(Settings.empty().withRemote(remote).withConfiguration(ConfigurationName.of("web")));
                publish();
            }
            if (n == 4) {
                stop = true;
            }
        }).run();
        assertThat(code).isZero();
        assertThat(outcomes.get(3)).isInstanceOf(PollOutcome.Activated.class);

        dataDir.storeSettings(Settings.empty());
        stop = false;
        assertThatThrownBy(() -> loop(ExitPolicy.ANY, n -> { }).run()).isInstanceOf(StateException.class);
    }
}
