package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.activate.Activators;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.publish.Publisher;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
    @TempDir
    Path tmp;

    private final TestClock clock = TestClock.at("2026-03-01T12:00:00Z");
    private final List<String> progress = new ArrayList<>();
    private final List<Duration> sleeps = new ArrayList<>();
    private FakeNixosRebuild rebuild;
    private RemoteStores stores;
    private DataDir dataDir;
    private RemoteUri remote;
    private Path flake;

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));
        dataDir = DataDir.open(tmp.resolve("data"));
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        remote = RemoteUri.of(tmp.resolve("store/prod.npcnix"));
        dataDir.storeSettings(Settings.empty().withRemote(remote).withConfiguration(ConfigurationName.of("web")));
    }

    @AfterEach
    void tearDown() {
        stores.close();
    }

    private void publish() {
        new Publisher(stores, tmp.resolve("ptmp")).publish(flake, remote, PackOptions.defaults(), RemoteStore.TransferListener.NONE);
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
        Follower follower = new Follower(dataDir, stores, Activators.nixosRebuild(rebuild.env(), Optional.empty()), clock,
                FollowOptions.defaults());
        return new Bootstrap(dataDir, follower, clock, sleeper, new SplittableRandom(1), progress::add);
    }

    @Test
    void waitsForARemoteThatAppearsOnlyAfterAWhile() throws Exception {
        PollOutcome outcome = bootstrap(4).run(Optional.empty(), Duration.ofMinutes(30));

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        assertThat(sleeps).hasSize(4);
        assertThat(sleeps.get(3)).isGreaterThan(sleeps.get(0)); // backing off
        assertThat(progress).filteredOn(m -> m.startsWith("bootstrap: waiting for remote " + remote + ": not found")).hasSize(4);
        assertThat(progress).last().isEqualTo("bootstrap: activated web");
        assertThat(rebuild.invocations()).hasSize(1);
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
