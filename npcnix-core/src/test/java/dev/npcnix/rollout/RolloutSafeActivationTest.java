package dev.npcnix.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.activate.Activators;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.HostSystem;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.publish.Publisher;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.system.NixosSystem;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.FakeNixosSystem.Behaviour;
import dev.npcnix.testing.host.HostFixture;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Safe activation's outcomes reach the rollout: a release that fails its health checks on the canary is
 * rolled back there ({@link PollOutcome.RolledBack}), counts as a failed host of the canary wave, halts the
 * rollout, and the later waves never activate it. Each host has its own {@link FakeNixosSystem} and data
 * dir; the remote is a shared {@code file://} store.
 *
 * <p>A release that needs a reboot (a new kernel, {@code reboot: when-needed}) is judged after the reboot, in a
 * later poll than the one its wave let it through: that verdict still reaches the wave ({@code failed} and a
 * halt, or {@code applied} and the next wave after the soak).
 */
class RolloutSafeActivationTest {
    @RegisterExtension
    final HostFixture fixture = new HostFixture();

    private static final RolloutPolicy CANARY_THEN_ALL = new RolloutPolicy(List.of(
            RolloutPolicy.Wave.tagged(List.of("canary"), Duration.ofMinutes(15), 0), RolloutPolicy.Wave.percent(100, Duration.ZERO, 0)),
            0, RolloutPolicy.OnHalt.STAY, RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);

    private static final RebootSettings WHEN_NEEDED = new RebootSettings(RebootPolicy.WHEN_NEEDED, Optional.empty());

    private final List<FakeNixosSystem> systems = new ArrayList<>();

    @AfterEach
    void closeSystems() {
        systems.forEach(FakeNixosSystem::close);
    }

    private record Host(Follower follower, FakeNixosSystem system) {
    }

    /** A host whose checks are the fake system's health URL and command (they fail on a release that says so). */
    private Host host(String id, String... tags) {
        return host(id, RebootSettings.NEVER, tags);
    }

    private Host host(String id, RebootSettings reboot, String... tags) {
        FakeNixosSystem system = FakeNixosSystem.install(fixture.tmp().resolve("system-" + id));
        systems.add(system);
        DataDir dir = DataDir.open(fixture.tmp().resolve("host-" + id));
        dir.storeSettings(Settings.empty().withRemote(fixture.remote()).withConfiguration(HostFixture.WEB).withTags(List.of(tags))
                .withHealth(new HealthSettings(false, List.of(), 0, List.of(system.healthUrl()), Duration.ofSeconds(5),
                        List.of(system.healthCommand()), Duration.ofSeconds(30), false, Duration.ZERO, Duration.ofSeconds(30),
                        Duration.ofSeconds(10)))
                .withReboot(reboot));
        Follower follower = new Follower(dir, fixture.stores(), Activators.nixosRebuild(system.env(), Optional.empty()),
                fixture.clock(), FollowOptions.defaults().withHostId(() -> id),
                new HostSystem(NixosSystem.fromEnvironment(system.env(), Optional.empty()), d -> fixture.clock().advance(d),
                        ZoneOffset.UTC));
        return new Host(follower, system);
    }

    private PublishResult publishFailingItsChecks() throws Exception {
        FakeNixosSystem.behave(fixture.flake(), Behaviour.COMMAND_FAILS);
        Files.writeString(fixture.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-bad\"; }\n");
        return new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .withRollout(CANARY_THEN_ALL, fixture.clock(), "ci@test")
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(), RemoteStore.TransferListener.NONE);
    }

    @Test
    void aReleaseRolledBackOnTheCanaryHaltsTheRolloutAndLaterWavesNeverActivateIt() throws Exception {
        Host canary = host("canary-1", "canary");
        Host web = host("web-1");
        PublishResult r = publishFailingItsChecks();
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Waiting.class);

        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);
        assertThat(canary.system().profileGeneration()).as("the canary is back on its generation").isEqualTo(1);

        RolloutBoard board = new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId());
        assertThat(board.snapshot().in(RolloutBoard.Marker.FAILED, 0)).containsKey("canary-1");
        assertThat(board.snapshot().in(RolloutBoard.Marker.APPLIED, 0)).isEmpty();
        assertThat(board.readHalt()).hasValueSatisfying(h -> {
            assertThat(h.by()).isEqualTo("canary-1");
            assertThat(h.wave()).isZero();
        });

        // long after the canary's soak: the halt holds the rest of the fleet
        fixture.clock().advance(Duration.ofHours(2));
        assertThat(web.follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> assertThat(w.halted()).isTrue());
        assertThat(web.system().profileGeneration()).isEqualTo(1);
        assertThat(web.system().events()).noneMatch(e -> e.contains("switch-to-configuration"));
    }

    private PublishResult publishNewKernel(Behaviour... more) throws Exception {
        List<Behaviour> behaviours = new ArrayList<>(List.of(Behaviour.NEW_KERNEL));
        behaviours.addAll(List.of(more));
        FakeNixosSystem.behave(fixture.flake(), behaviours.toArray(Behaviour[]::new));
        Files.writeString(fixture.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-k2\"; }\n");
        return new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .withRollout(CANARY_THEN_ALL, fixture.clock(), "ci@test")
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(), RemoteStore.TransferListener.NONE);
    }

    private RolloutBoard board(PublishResult r) {
        return new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId());
    }

    @Test
    void aCanaryFailingItsChecksAfterTheRebootMarksItsWaveFailedAndHaltsTheRollout() throws Exception {
        Host canary = host("canary-1", WHEN_NEEDED, "canary");
        Host web = host("web-1", WHEN_NEEDED);
        PublishResult r = publishNewKernel(Behaviour.FAILS_AFTER_BOOT);
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Waiting.class);

        assertThat(canary.follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.REQUESTED));
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.APPLIED, 0)).as("not judged before the reboot").isEmpty();
        canary.system().reboot();

        assertThat(canary.follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Rebooting.class,
                b -> assertThat(b.rollback()).isTrue());
        RolloutBoard.Snapshot after = board(r).snapshot();
        assertThat(after.in(RolloutBoard.Marker.FAILED, 0)).containsOnlyKeys("canary-1");
        assertThat(after.in(RolloutBoard.Marker.APPLIED, 0)).isEmpty();
        assertThat(board(r).readHalt()).hasValueSatisfying(h -> {
            assertThat(h.by()).isEqualTo("canary-1");
            assertThat(h.wave()).isZero();
        });
        canary.system().reboot();
        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.FAILED, 0)).as("told once").hasSize(1);

        // long after the canary's soak: the halt holds the rest of the fleet
        fixture.clock().advance(Duration.ofHours(2));
        assertThat(web.follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Waiting.class, w -> assertThat(w.halted()).isTrue());
        assertThat(web.system().profileGeneration()).isEqualTo(1);
        assertThat(web.system().events()).noneMatch(e -> e.contains("switch-to-configuration"));
    }

    @Test
    void aCanaryHealthyAfterTheRebootMarksItsWaveAppliedAndTheNextWaveOpens() throws Exception {
        Host canary = host("canary-1", WHEN_NEEDED, "canary");
        Host web = host("web-1", WHEN_NEEDED);
        PublishResult r = publishNewKernel();
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Waiting.class);

        assertThat(canary.follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.REQUESTED));
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.APPLIED, 0)).as("not judged before the reboot").isEmpty();
        canary.system().reboot();

        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.APPLIED, 0)).containsOnlyKeys("canary-1");
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.FAILED, 0)).isEmpty();
        assertThat(canary.system().profileGeneration()).isEqualTo(2);

        fixture.clock().advance(Duration.ofMinutes(16)); // the canary wave's soak
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(web.system().profileGeneration()).isEqualTo(2);
    }
}
