package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.ConfigurationName;
import dev.npcnix.StateException;
import dev.npcnix.activate.Activators;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.host.HostFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The poll step against a real file store, real archives and the fake nixos-rebuild script. */
class FollowerTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private TestClock clock;
    private FakeNixosRebuild rebuild;
    private RemoteStores stores;
    private DataDir dataDir;
    private Path flake;
    private RemoteUri remote;

    @BeforeEach
    void setUp() {
        clock = host.clock();
        rebuild = host.rebuild();
        stores = host.stores();
        dataDir = host.dataDir();
        flake = host.flake();
        remote = host.remote();
    }

    private PublishResult publish() {
        return host.publish();
    }

    private Follower follower(FollowOptions options) {
        return host.follower(options);
    }

    private Follower follower() {
        return host.follower();
    }

    @Test
    void activatesANewReleaseThenFindsItUnchanged() throws Exception {
        PublishResult release = publish();
        Follower f = follower();

        PollOutcome first = f.pollOnce();
        assertThat(first).isInstanceOfSatisfying(PollOutcome.Activated.class, a -> {
            assertThat(a.release().etag()).isEqualTo(release.etag());
            assertThat(a.release().sha256()).isEqualTo(release.sha256());
            assertThat(a.configuration()).isEqualTo(ConfigurationName.of("web"));
        });
        FakeNixosRebuild.Invocation run = rebuild.invocations().get(0);
        assertThat(run.operation()).isEqualTo("switch");
        assertThat(run.flakeRef()).startsWith("path:" + dataDir.tmp().toRealPath()).endsWith("/flake#web");
        assertThat(run.tree().resolve("hosts/web.nix")).hasSameTextualContentAs(flake.resolve("hosts/web.nix"));

        Settings after = dataDir.loadSettings();
        assertThat(after.lastEtag()).contains(release.etag());
        assertThat(after.lastConfiguration()).contains(ConfigurationName.of("web"));
        assertThat(after.lastReconfiguration()).isEqualTo(clock.instant());
        assertThat(dataDir.loadState().lastAttempt().orElseThrow().result()).isEqualTo(HostState.Result.ACTIVATED);
        try (Stream<Path> left = Files.list(dataDir.tmp())) {
            assertThat(left).as("tmp/ after a poll").isEmpty();
        }

        assertThat(follower().pollOnce()).isEqualTo(new PollOutcome.Unchanged(release.etag()));
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void aNewPublishIsActivatedAndARepublishOfTheSameTreeIsNot() throws Exception {
        publish();
        follower().pollOnce();
        assertThat(publish().unchanged()).isTrue();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);

        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-2\"; }\n");
        PublishResult second = publish();
        assertThat(second.unchanged()).isFalse();
        assertThat(follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.release().etag()).isEqualTo(second.etag()));
        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(rebuild.invocations().get(1).tree().resolve("hosts/web.nix")).content().contains("web-2");
    }

    @Test
    void aRenamedConfigurationIsActivatedWithoutANewRelease() {
        publish();
        follower().pollOnce();
        dataDir.storeSettings(dataDir.loadSettings().withConfiguration(ConfigurationName.of("web-canary")));

        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(rebuild.invocations().get(1).flakeRef()).endsWith("#web-canary");
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
    }

    @Test
    void ignoreEtagReactivatesOnceOnly() {
        publish();
        follower().pollOnce();
        Follower f = follower(FollowOptions.defaults().withIgnoreEtag(true));
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void pausedHostsDoNothingUntilThePauseEnds() {
        publish();
        dataDir.storeSettings(dataDir.loadSettings().withPausedFor(clock.instant(), Duration.ofMinutes(30)));
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Paused.class);
        assertThat(rebuild.invocations()).isEmpty();

        clock.advance(Duration.ofMinutes(31));
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);

        dataDir.storeSettings(dataDir.loadSettings().withPaused(Optional.of(new Pause.Indefinitely())));
        clock.advance(Duration.ofDays(365));
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Paused.class);
    }

    @Test
    void aFailingRebuildQuarantinesTheReleaseUntilRetry() {
        PublishResult release = publish();
        rebuild.exitWith(1);

        PollOutcome failed = follower().pollOnce();
        assertThat(failed).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
            assertThat(f.isTransient()).isFalse();
            assertThat(f.error().getMessage()).startsWith("nixos-rebuild exited 1");
        });
        HostState state = dataDir.loadState();
        assertThat(state.quarantined()).singleElement().satisfies(q -> {
            assertThat(q.etag()).isEqualTo(release.etag());
            assertThat(q.configuration()).isEqualTo(ConfigurationName.of("web"));
        });
        assertThat(dataDir.loadSettings().lastEtag()).as("nothing recorded as applied").isEmpty();

        rebuild.exitWith(0);
        for (int i = 0; i < 3; i++) {
            assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Quarantined.class);
        }
        assertThat(rebuild.invocations()).as("a quarantined release is not run again").hasSize(1);

        dataDir.storeState(dataDir.loadState().withoutQuarantine()); // what `npcnix retry` does
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void aNewReleaseLiftsTheQuarantine() throws Exception {
        publish();
        rebuild.exitWith(1);
        follower().pollOnce();
        rebuild.exitWith(0);
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"fixed\"; }\n");
        publish();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
    }

    @Test
    void aReleaseWithoutFlakeNixIsQuarantinedWithoutActivation() throws Exception {
        Path file = remote.path();
        Files.createDirectories(file.getParent());
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new com.github.luben.zstd.ZstdOutputStream(Files.newOutputStream(file)))) {
            var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("README.md");
            byte[] body = "no flake here\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            entry.setSize(body.length);
            out.putArchiveEntry(entry);
            out.write(body);
            out.closeArchiveEntry();
        }
        assertThat(follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
            assertThat(f.isTransient()).isFalse();
            assertThat(f.error().getMessage()).contains("no flake.nix");
        });
        assertThat(rebuild.invocations()).isEmpty();
        assertThat(dataDir.loadState().quarantined()).hasSize(1);
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Quarantined.class);
    }

    @Test
    void storeFailuresAreTransientAndRecordNothing() {
        PollOutcome outcome = follower().pollOnce(); // nothing published yet
        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
            assertThat(f.isTransient()).isTrue();
            assertThat(f.error()).isInstanceOf(StoreException.class);
            assertThat(((StoreException) f.error()).reason()).isEqualTo(StoreException.Reason.NOT_FOUND);
            assertThat(f.error().getMessage()).startsWith("remote " + remote);
        });
        assertThat(dataDir.loadState()).isEqualTo(HostState.empty());

        publish();
        assertThat(follower().pollOnce()).as("recovers once the store has it").isInstanceOf(PollOutcome.Activated.class);
    }

    @Test
    void dryRunRecordsNothingButRemembersWhatItSawInMemory() {
        publish();
        Follower dry = new Follower(dataDir, stores, Activators.dryRun(s -> { }, rebuild.env()), clock,
                FollowOptions.defaults().withDryRun(true));
        assertThat(dry.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(dry.pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(dataDir.loadSettings().lastEtag()).isEmpty();
        assertThat(dataDir.loadState()).isEqualTo(HostState.empty());
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void aHostThatWasNeverBootstrappedIsAStateError() {
        dataDir.storeSettings(Settings.empty());
        assertThatThrownBy(() -> follower().pollOnce()).isInstanceOf(StateException.class)
                .hasMessage("data dir " + dataDir.root() + ": not bootstrapped: no remote and no configuration set"
                        + " (run npcnix bootstrap --remote URI --configuration NAME)");
    }

    @Test
    void aRetryRunWhileAnotherReleaseActivatesIsNotUndone() throws Exception {
        publish();
        rebuild.exitWith(1);
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Failed.class);
        assertThat(dataDir.loadState().quarantined()).hasSize(1);
        rebuild.exitWith(0);
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }\n");
        publish();

        // `npcnix retry` (which takes no lock) runs while the daemon activates the new release
        Follower f = new Follower(dataDir, stores, request -> dataDir.storeState(dataDir.loadState().withoutQuarantine()),
                clock, FollowOptions.defaults());
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Activated.class);

        assertThat(dataDir.loadState().quarantined()).as("the retry's effect").isEmpty();
        assertThat(dataDir.loadState().history()).hasSize(2);
    }

    @Test
    void aReleaseOverTheSizeLimitIsQuarantinedAndNotDownloadedAgain() {
        PublishResult release = publish();
        Follower small = follower(FollowOptions.defaults().withLimits(dev.npcnix.archive.UnpackLimits.defaults(), 100));

        assertThat(small.pollOnce()).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
            assertThat(f.isTransient()).isFalse();
            assertThat(f.error().getMessage()).contains("more than the limit of 100");
        });
        assertThat(dataDir.loadState().quarantined()).singleElement()
                .satisfies(q -> assertThat(q.etag()).isEqualTo(release.etag()));
        assertThat(small.pollOnce()).isInstanceOf(PollOutcome.Quarantined.class);
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void reportsPhasesSoTheDaemonKnowsWhenAnActivationRuns() {
        publish();
        java.util.List<Follower.Phase> phases = new java.util.ArrayList<>();
        Follower f = follower();
        f.onPhase(phases::add);
        f.pollOnce();
        assertThat(phases).containsExactly(Follower.Phase.FETCHING, Follower.Phase.UNPACKING, Follower.Phase.GATING, Follower.Phase.ACTIVATING,
                Follower.Phase.RECORDING, Follower.Phase.IDLE);
    }

    @Test
    void everyPollIsRecordedForStatusButAnUnchangedOneRewritesNoStateFile() throws Exception {
        PublishResult release = publish();
        Follower f = follower();
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(dataDir.loadLastPoll()).hasValueSatisfying(p -> {
            assertThat(p.outcome()).isEqualTo(dev.npcnix.state.LastPoll.Outcome.ACTIVATED);
            assertThat(p.etag()).isEqualTo(release.etag());
        });
        Path config = dataDir.root().resolve(DataDir.CONFIG_FILE);
        Path state = dataDir.root().resolve(DataDir.STATE_FILE);
        Object configInode = Files.getAttribute(config, "unix:ino");
        Object stateInode = Files.getAttribute(state, "unix:ino");

        clock.advance(Duration.ofMinutes(2));
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        Path poll = dataDir.root().resolve(DataDir.POLL_FILE);
        Object pollInode = Files.getAttribute(poll, "unix:ino");
        java.time.Instant first = clock.instant();
        assertThat(dataDir.loadLastPoll()).hasValueSatisfying(p -> {
            assertThat(p.outcome()).isEqualTo(dev.npcnix.state.LastPoll.Outcome.UNCHANGED);
            assertThat(p.at()).isEqualTo(first);
            assertThat(p.etag()).isEqualTo(release.etag());
        });

        clock.advance(Duration.ofMinutes(2));
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(dataDir.loadLastPoll()).hasValueSatisfying(p -> {
            assertThat(p.at()).as("the time of the last poll").isEqualTo(clock.instant());
            assertThat(p.since()).as("what it found has not changed since").isEqualTo(first);
        });
        // an atomic write replaces the file: the same inode means nothing was written (nor fsynced);
        // the second unchanged poll only set poll.json's modification time
        assertThat(Files.getAttribute(config, "unix:ino")).isEqualTo(configInode);
        assertThat(Files.getAttribute(state, "unix:ino")).isEqualTo(stateInode);
        assertThat(Files.getAttribute(poll, "unix:ino")).isEqualTo(pollInode);
        assertThat(Files.getPosixFilePermissions(dataDir.root().resolve(DataDir.POLL_FILE)))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aPauseIsSaidOnceWhenItStartsAndOnceWhenItEnds() {
        Follower f = follower();
        long mark = dev.npcnix.testing.LogCapture.mark();
        dataDir.storeSettings(dataDir.loadSettings().withPaused(Optional.of(new Pause.Indefinitely())));
        for (int i = 0; i < 3; i++) {
            assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Paused.class);
        }
        dataDir.storeSettings(dataDir.loadSettings().withPaused(Optional.empty()));
        publish();
        assertThat(f.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        String log = dev.npcnix.testing.LogCapture.since(mark);
        assertThat(log).containsOnlyOnce("paused: not polling").containsOnlyOnce("no longer paused: polling again");
        assertThat(dataDir.loadLastPoll()).hasValueSatisfying(p ->
                assertThat(p.outcome()).isEqualTo(dev.npcnix.state.LastPoll.Outcome.ACTIVATED));
    }
}
