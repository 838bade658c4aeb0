package dev.npcnix.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.publish.Publisher;
import dev.npcnix.publish.Signing;
import dev.npcnix.sign.ManifestVerifier;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.testing.host.HostFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gate in the real poll step, on a {@code file://} remote shared by hosts with their own data dirs: a
 * canary (tagged) and the rest of the fleet, a soak, a failing canary that halts the rollout, a resume.
 */
class RolloutFollowTest {
    @RegisterExtension
    final HostFixture fixture = new HostFixture();

    private static final Duration SOAK = Duration.ofMinutes(15);
    private static final RolloutPolicy CANARY_THEN_ALL = new RolloutPolicy(List.of(
            RolloutPolicy.Wave.tagged(List.of("canary"), SOAK, 0), RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)),
            0, RolloutPolicy.OnHalt.STAY, RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);

    private Follower host(String id, String... tags) {
        DataDir dir = DataDir.open(fixture.tmp().resolve("host-" + id));
        dir.storeSettings(Settings.empty().withRemote(fixture.remote()).withConfiguration(HostFixture.WEB).withTags(List.of(tags)));
        return fixture.follower(dir, FollowOptions.defaults().withHostId(() -> id));
    }

    private DataDir dir(String id) {
        return DataDir.existing(fixture.tmp().resolve("host-" + id));
    }

    private PublishResult publish(RolloutPolicy policy) {
        return new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .withRollout(policy, fixture.clock(), "ci@test")
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(), RemoteStore.TransferListener.NONE);
    }

    private void change(String content) throws Exception {
        Files.writeString(fixture.flake().resolve("hosts/web.nix"), content);
    }

    @Test
    void aReleaseWithoutAPolicyIsAppliedAtOnceAndWritesNothingForARollout() {
        fixture.publish();

        assertThat(host("web-1").pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(host("web-2").pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(Path.of(fixture.remote().path() + ".rollout")).doesNotExist();
        assertThat(dir("web-1").root().resolve(DataDir.ROLLOUT_DIR)).doesNotExist();
    }

    @Test
    void theCanaryGoesFirstTheRestWaitWithoutDownloadingAgainThenFollowAfterTheSoak() throws Exception {
        Follower canary = host("canary-1", "canary");
        Follower web = host("web-1");
        PublishResult r = publish(CANARY_THEN_ALL);
        assertThat(r.rolloutId()).isEqualTo(r.sha256().substring(0, 12));

        PollOutcome first = web.pollOnce();
        assertThat(first).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> {
            assertThat(w.held().wave()).isEqualTo(1);
            assertThat(w.halted()).isFalse();
            assertThat(w.held().reason()).contains("wave 0");
        });
        HostState.Gated held = dir("web-1").loadState().rollout();
        Path kept = dir("web-1").held(held.flake()).orElseThrow();
        Object keptId = Files.readAttributes(kept, BasicFileAttributes.class).fileKey();
        assertThat(HostStatus.of(dir("web-1").loadSettings(), dir("web-1").loadState(), dir("web-1").loadLastPoll(),
                new Daemon.Unknown("test"), fixture.clock().instant()).state()).isEqualTo(HostStatus.State.WAITING);

        assertThat(canary.pollOnce()).isInstanceOf(PollOutcome.Activated.class);

        PollOutcome soaking = web.pollOnce();
        assertThat(soaking).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> {
            assertThat(w.held().reason()).contains("soaking");
            assertThat(w.opensAt()).isPresent();
        });
        // the same unpacked tree: held, not downloaded and unpacked again
        assertThat(Files.readAttributes(kept, BasicFileAttributes.class).fileKey()).isEqualTo(keptId);
        assertThat(fixture.rebuild().runsStarted()).isEqualTo(1);

        fixture.clock().advance(SOAK.plusMinutes(1));
        PollOutcome after = web.pollOnce();

        assertThat(after).isInstanceOfSatisfying(PollOutcome.Activated.class, a -> assertThat(a.release().etag()).isEqualTo(r.etag()));
        assertThat(dir("web-1").loadState().rollout()).isNull();
        assertThat(kept).doesNotExist();
        RolloutBoard.Snapshot board = new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId())
                .snapshot();
        assertThat(board.in(RolloutBoard.Marker.APPLIED, 0)).containsOnlyKeys("canary-1");
        assertThat(board.in(RolloutBoard.Marker.APPLIED, 1)).containsOnlyKeys("web-1");
        assertThat(board.opened()).containsOnlyKeys(1);
        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
    }

    @Test
    void aFailingCanaryHaltsTheRolloutForEveryoneAndAResumeLetsThemGoOn() throws Exception {
        Follower canary = host("canary-1", "canary");
        Follower other = host("canary-2", "canary");
        Follower web = host("web-1");
        PublishResult r = publish(CANARY_THEN_ALL);
        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Waiting.class);

        fixture.rebuild().exitWith(1);
        assertThat(canary.pollOnce()).isInstanceOf(PollOutcome.Failed.class);

        RolloutBoard board = new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId());
        assertThat(board.readHalt()).hasValueSatisfying(h -> {
            assertThat(h.by()).isEqualTo("canary-1");
            assertThat(h.wave()).isZero();
        });
        fixture.clock().advance(Duration.ofHours(2));
        assertThat(web.pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> {
            assertThat(w.halted()).isTrue();
            assertThat(w.describe()).contains("halted by canary-1 in wave 0");
        });
        // a host of the canary wave that had not started yet stops too: at most the canary that failed applied it
        assertThat(other.pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> assertThat(w.halted()).isTrue());
        assertThat(fixture.rebuild().runsStarted()).isEqualTo(1);

        fixture.rebuild().exitWith(0);
        board.resume("operator:alice", fixture.clock().instant());
        assertThat(other.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        fixture.clock().advance(SOAK.plusMinutes(1));
        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
    }

    /**
     * The bench's 1,000-host rollout once saw a host poll 91 s after the halt and fail transiently on the
     * write of its {@code joined} marker (a store error), so it saw the halt a poll later than its interval
     * promises. The halt is in the listing the gate already holds: a write the store refuses must not hide it.
     */
    @Test
    void aHostWhoseJoinedMarkerCannotBeWrittenStillSeesTheHalt() throws Exception {
        Follower canary = host("canary-1", "canary");
        Follower web = host("web-1");
        PublishResult r = publish(CANARY_THEN_ALL);
        fixture.rebuild().exitWith(1);
        assertThat(canary.pollOnce()).isInstanceOf(PollOutcome.Failed.class);
        // wave 1's markers cannot be created: a regular file stands where their folder would be
        Path rollout = Path.of(fixture.remote().path() + ".rollout", r.rolloutId());
        Files.writeString(rollout.resolve("joined/1"), "in the way");

        assertThat(web.pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> {
            assertThat(w.halted()).isTrue();
            assertThat(w.describe()).contains("halted by canary-1 in wave 0");
        });
        assertThat(fixture.rebuild().runsStarted()).isEqualTo(1);
    }

    @Test
    void aNewReleaseReplacesTheOneHeldAndARolloutFileOfAnotherReleaseIsIgnored() throws Exception {
        Follower web = host("web-1");
        publish(CANARY_THEN_ALL);
        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Waiting.class);

        change("{ config.system.build.toplevel = \"v2\"; }\n");
        fixture.publish(); // no policy: the rollout file names the release before, so this one goes at once

        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(dir("web-1").loadState().rollout()).isNull();
        assertThat(dir("web-1").root().resolve(DataDir.ROLLOUT_DIR)).doesNotExist();
    }

    @Test
    void maxInFlightLetsOnlySoManyHostsActivateAtOnce() {
        RolloutPolicy one = new RolloutPolicy(List.of(RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)), 1,
                RolloutPolicy.OnHalt.STAY, RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);
        PublishResult r = publish(one);
        RolloutBoard board = new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId());
        RolloutBoard.Lease busy = board.takeLease(board.snapshot(), "elsewhere", fixture.clock().instant(), Duration.ofHours(1), 1, 0)
                .orElseThrow();

        assertThat(host("web-1").pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class,
                w -> assertThat(w.held().reason()).contains("in-flight leases"));

        board.releaseLease(busy);
        assertThat(host("web-1").pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(board.snapshot().leases()).isEmpty();
    }

    @Test
    void aSignedReleaseFollowsThePolicyInItsManifestAndIgnoresAnUnsignedRolloutFile() throws Exception {
        NixKeys.SecretKey key = NixKeys.generate("ci-1");
        Follower canary = signedHost(key, "canary-1", "canary");
        Follower web = signedHost(key, "web-1");
        PublishResult r = new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .withRollout(CANARY_THEN_ALL, fixture.clock(), "ci@test")
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(),
                        Optional.of(new Signing(key, "ci@test", Optional.empty(), fixture.clock())), RemoteStore.TransferListener.NONE);
        assertThat(r.rolloutId()).as("a signed release's rollout id is its manifest sequence").matches("[0-9]+");
        // a bucket writer (no signing key) replaces the rollout file with one wave for everyone, naming the same release
        RolloutPolicy everyone = new RolloutPolicy(List.of(RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)), 0,
                RolloutPolicy.OnHalt.STAY, RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);
        Files.write(Path.of(fixture.remote().path() + RolloutFile.SUFFIX),
                new RolloutFile("forged", r.sha256(), fixture.clock().instant(), "mallory", everyone).toJson());

        assertThat(web.pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> {
            assertThat(w.held().wave()).as("the signed policy's wave, not the forged file's").isEqualTo(1);
            assertThat(w.held().rolloutId()).isEqualTo(r.rolloutId());
        });
        assertThat(canary.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(fixture.rebuild().runsStarted()).isEqualTo(1);
    }

    @Test
    void aSignedReleaseWithoutAPolicyIgnoresAnUnsignedRolloutFileNamingIt() throws Exception {
        NixKeys.SecretKey key = NixKeys.generate("ci-1");
        Follower web = signedHost(key, "web-1");
        PublishResult r = new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(),
                        Optional.of(new Signing(key, "ci@test", Optional.empty(), fixture.clock())), RemoteStore.TransferListener.NONE);
        Files.write(Path.of(fixture.remote().path() + RolloutFile.SUFFIX),
                new RolloutFile("forged", r.sha256(), fixture.clock().instant(), "mallory", CANARY_THEN_ALL).toJson());

        assertThat(web.pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(Path.of(fixture.remote().path() + ".rollout")).doesNotExist();
    }

    private Follower signedHost(NixKeys.SecretKey key, String id, String... tags) {
        DataDir dir = DataDir.open(fixture.tmp().resolve("host-" + id));
        dir.storeSettings(Settings.empty().withRemote(fixture.remote()).withConfiguration(HostFixture.WEB).withTags(List.of(tags))
                .withTrustedPublicKeys(List.of(key.publicKeyText())));
        return fixture.follower(dir, FollowOptions.defaults().withHostId(() -> id)
                .withVerifier(ManifestVerifier.forKeys(List.of(key.publicKeyText()))));
    }
}
