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
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.system.NixosSystem;
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
 * {@code on_halt}: a release that passes its checks on one host of a wave and fails them on another halts
 * the rollout; with {@code rollback} the host that had committed it switches back to its previous generation
 * at its next poll (and stays there after a resume), with {@code stay} it keeps the release. Each host has
 * its own {@link FakeNixosSystem} and data dir; the remote is a shared {@code file://} store.
 */
class RolloutOnHaltTest {
    @RegisterExtension
    final HostFixture fixture = new HostFixture();

    private final List<FakeNixosSystem> systems = new ArrayList<>();

    @AfterEach
    void closeSystems() {
        systems.forEach(FakeNixosSystem::close);
    }

    private record Host(Follower follower, FakeNixosSystem system, DataDir dir) {
    }

    private static RolloutPolicy oneWave(RolloutPolicy.OnHalt onHalt) {
        return new RolloutPolicy(List.of(RolloutPolicy.Wave.percent(100, Duration.ofMinutes(15), 0)), 0, onHalt,
                RolloutPolicy.DEFAULT_LEASE_TTL, RolloutPolicy.DEFAULT_HOST_TIMEOUT);
    }

    /** A host whose check is the fake system's health command ({@code strict}: it fails on the release) or always passes. */
    private Host host(String id, boolean strict) {
        FakeNixosSystem system = FakeNixosSystem.install(fixture.tmp().resolve("system-" + id));
        systems.add(system);
        DataDir dir = DataDir.open(fixture.tmp().resolve("host-" + id));
        dir.storeSettings(Settings.empty().withRemote(fixture.remote()).withConfiguration(HostFixture.WEB)
                .withHealth(new HealthSettings(false, List.of(), 0, List.of(), Duration.ofSeconds(5),
                        List.of(strict ? system.healthCommand() : "true"), Duration.ofSeconds(30), false, Duration.ZERO,
                        Duration.ofSeconds(30), Duration.ofSeconds(10))));
        Follower follower = new Follower(dir, fixture.stores(), Activators.nixosRebuild(system.env(), Optional.empty()),
                fixture.clock(), FollowOptions.defaults().withHostId(() -> id),
                new HostSystem(NixosSystem.fromEnvironment(system.env(), Optional.empty()), d -> fixture.clock().advance(d),
                        ZoneOffset.UTC));
        return new Host(follower, system, dir);
    }

    private PublishResult publishFailingOnStrictHosts(RolloutPolicy policy) throws Exception {
        FakeNixosSystem.behave(fixture.flake(), Behaviour.COMMAND_FAILS);
        Files.writeString(fixture.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-bad\"; }\n");
        return new Publisher(fixture.stores(), fixture.tmp().resolve("publish-tmp"))
                .withRollout(policy, fixture.clock(), "ci@test")
                .publish(fixture.flake(), fixture.remote(), PackOptions.defaults(), RemoteStore.TransferListener.NONE);
    }

    private RolloutBoard board(PublishResult r) {
        return new RolloutBoard(fixture.stores().forRemote(fixture.remote()), fixture.remote(), r.rolloutId());
    }

    @Test
    void withRollbackAHostThatCommittedTheHaltedReleaseSwitchesBackAndAResumeDoesNotReapplyIt() throws Exception {
        Host web = host("web-1", false);
        Host canary = host("canary-1", true);
        PublishResult r = publishFailingOnStrictHosts(oneWave(RolloutPolicy.OnHalt.ROLLBACK));

        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(web.system().profileGeneration()).isEqualTo(2);
        assertThat(web.dir().loadState().haltWatch()).as("watched: its policy says rollback").isNotNull();
        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);
        assertThat(board(r).readHalt()).hasValueSatisfying(h -> assertThat(h.by()).isEqualTo("canary-1"));

        int before = web.system().events().size();
        PollOutcome back = web.follower().pollOnce();
        assertThat(back).isInstanceOfSatisfying(PollOutcome.RolledBack.class,
                b -> assertThat(b.error().getMessage()).contains("rollout halted", "rolled back to generation 1"));
        assertThat(web.system().profileGeneration()).as("the profile is back on its generation").isEqualTo(1);
        assertThat(web.system().current()).isEqualTo(web.system().generation(1));
        assertThat(web.system().events().subList(before, web.system().events().size()))
                .anyMatch(e -> e.contains("switch-to-configuration") && e.contains("switch"));
        HostState state = web.dir().loadState();
        assertThat(state.haltWatch()).isNull();
        assertThat(state.lastAttempt()).hasValueSatisfying(a -> assertThat(a.result()).isEqualTo(HostState.Result.ROLLED_BACK));
        assertThat(state.quarantined()).hasSize(1);
        assertThat(board(r).snapshot().in(RolloutBoard.Marker.FAILED, 0)).as("a switch back is not a new failure")
                .containsOnlyKeys("canary-1");

        board(r).resume("operator:test", fixture.clock().instant());
        fixture.clock().advance(Duration.ofHours(1));
        int afterBack = web.system().events().size();
        assertThat(web.follower().pollOnce()).isNotInstanceOf(PollOutcome.Activated.class);
        assertThat(web.system().profileGeneration()).as("quarantined: not re-applied after the resume").isEqualTo(1);
        assertThat(web.system().events()).hasSize(afterBack);
    }

    @Test
    void withStayAHostThatCommittedTheHaltedReleaseKeepsItAndIsNotWatched() throws Exception {
        Host web = host("web-1", false);
        Host canary = host("canary-1", true);
        publishFailingOnStrictHosts(oneWave(RolloutPolicy.OnHalt.STAY));

        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(web.dir().loadState().haltWatch()).as("stay: nothing watched, nothing paid").isNull();
        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);

        int before = web.system().events().size();
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(web.system().profileGeneration()).isEqualTo(2);
        assertThat(web.system().events()).hasSize(before);
    }

    @Test
    void theWatchEndsAtItsBoundAndALaterHaltChangesNothing() throws Exception {
        Host web = host("web-1", false);
        Host canary = host("canary-1", true);
        RolloutPolicy policy = oneWave(RolloutPolicy.OnHalt.ROLLBACK);
        publishFailingOnStrictHosts(policy);
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);

        fixture.clock().advance(Duration.ofMinutes(15).plus(policy.hostTimeout()).plusSeconds(1));
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(web.dir().loadState().haltWatch()).isNull();
        assertThat(canary.follower().pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);
        assertThat(web.follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(web.system().profileGeneration()).isEqualTo(2);
    }
}
