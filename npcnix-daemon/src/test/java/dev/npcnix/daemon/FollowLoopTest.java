package dev.npcnix.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ErrorClass;
import dev.npcnix.StateException;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.follow.Sleeper;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.LogCapture;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.host.HostFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
    void aHostThatIsNotBootstrappedEndsEveryModeAtOnce() {
        dataDir.storeSettings(Settings.empty());
        for (ExitPolicy policy : ExitPolicy.values()) {
            sleeps.clear();
            assertThatThrownBy(() -> loop(policy, n -> { }).run()).as(policy.name()).isInstanceOf(StateException.class)
                    .hasMessageContaining("not bootstrapped");
            assertThat(sleeps).as("%s: no waiting", policy).isEmpty();
        }
    }

    @Test
    void onceIsOnePollEvenWhenTheStoreFails() throws Exception {
        assertThat(loop(ExitPolicy.ANY, n -> { }).run()).isEqualTo(1);
        assertThat(outcomes).singleElement().isInstanceOf(PollOutcome.Failed.class);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void eachFailedPollIsOneErrorLineWithTheNextTry() throws Exception {
        long mark = LogCapture.mark();
        loop(ExitPolicy.ACTIVATE, n -> {
            if (n == 3) {
                publish();
            }
        }).run();
        List<String> failures = LogCapture.since(mark).lines()
                .filter(l -> l.contains(remote + ": not found") && !l.contains(" DEBUG ")).toList();
        assertThat(failures).as("one line per failed poll, above DEBUG").hasSize(3);
        for (int i = 0; i < 3; i++) {
            Duration wait = sleeps.get(i);
            assertThat(failures.get(i)).contains(" ERROR ", "poll failed: remote " + remote + ": not found; next try in "
                    + dev.npcnix.local.Durations.format(wait) + " (at ");
        }
    }

    @Test
    void onceActivateGivesUpAtItsTimeoutNamingTheLastPoll() {
        assertThatThrownBy(() -> loop(ExitPolicy.ACTIVATE, n -> { }).timeout(Optional.of(Duration.ofMinutes(3))).run())
                .isInstanceOf(FollowLoop.GaveUp.class)
                .hasMessage("follow: gave up after 3m without an activation (last poll: remote " + remote + ": not found)");
        assertThat(sleeps.stream().reduce(Duration.ZERO, Duration::plus)).as("the last poll comes at the limit")
                .isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void aStopDuringTheActivationIsAnInterruptionThatTheNextStartRetries() throws Exception {
        publish();
        rebuild.exitWith(1); // a rebuild that failed because the stop reached it too
        Follower follower = host.follower();
        follower.stopRequestedBy(() -> true);
        FollowLoop loop = new FollowLoop(follower, dataDir, clock, new SplittableRandom(7), d -> { }, () -> stop,
                ExitPolicy.ACTIVATE).observe(o -> {
                    outcomes.add(o);
                    stop = true; // the shutdown the signal asked for
                });
        assertThat(loop.run()).isZero();
        assertThat(outcomes).singleElement().isInstanceOfSatisfying(PollOutcome.Failed.class,
                f -> assertThat(f.error().errorClass()).isEqualTo(ErrorClass.INTERRUPTED));
        assertThat(dataDir.loadState().quarantined()).isEmpty();

        rebuild.exitWith(0);
        stop = false;
        outcomes.clear();
        assertThat(loop(ExitPolicy.ANY, n -> { }).run()).isZero();
        assertThat(outcomes).singleElement().isInstanceOf(PollOutcome.Activated.class);
        assertThat(rebuild.invocations()).hasSize(2);
    }
}
