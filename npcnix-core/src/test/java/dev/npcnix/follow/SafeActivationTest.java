package dev.npcnix.follow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Activators;
import dev.npcnix.activate.Operation;
import dev.npcnix.health.HealthSettings;
import dev.npcnix.state.HostState;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.system.NixosSystem;
import dev.npcnix.system.RebootPolicy;
import dev.npcnix.system.RebootSettings;
import dev.npcnix.system.RebootWindow;
import dev.npcnix.testing.FakeNixosSystem;
import dev.npcnix.testing.FakeNixosSystem.Behaviour;
import dev.npcnix.testing.host.HostFixture;
import dev.npcnix.testing.http.HttpFileServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Safe activation on a temporary NixOS system ({@link FakeNixosSystem}: a profile with generations,
 * current/booted links, a boot default, stand-in nixos-rebuild, nix-env and systemctl), following an
 * HTTP remote whose store a release can cut off. The invariant every test checks: the profile and the
 * boot default only ever point at a generation that passed its checks, and a failed release leaves the
 * previous generation running.
 */
class SafeActivationTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private FakeNixosSystem system;
    private HttpFileServer store;
    private RemoteUri remote;

    @BeforeEach
    void setUp() throws IOException {
        system = FakeNixosSystem.install(host.tmp().resolve("system"));
        store = HttpFileServer.start(Files.createDirectories(host.tmp().resolve("store")));
        store.unavailableWhile(system::storeCut);
        remote = RemoteUri.parse(store.uri("prod.npcnix").toString());
        host.dataDir().storeSettings(host.dataDir().loadSettings().withRemote(remote));
    }

    @AfterEach
    void tearDown() {
        store.close();
        system.close();
    }

    private HealthSettings allChecks() {
        return new HealthSettings(true, List.of("ignored-*.service"), 0, List.of(system.healthUrl()), Duration.ofSeconds(5),
                List.of(system.healthCommand()), Duration.ofSeconds(30), true, Duration.ofSeconds(10), Duration.ofMinutes(2),
                Duration.ofSeconds(10));
    }

    private void configure(HealthSettings health, RebootSettings reboot) {
        host.dataDir().storeSettings(host.dataDir().loadSettings().withHealth(health).withReboot(reboot));
    }

    private Follower follower(FollowOptions options) {
        return new Follower(host.dataDir(), host.stores(), Activators.nixosRebuild(system.env(), Optional.empty()), host.clock(),
                options, new HostSystem(NixosSystem.fromEnvironment(system.env(), Optional.empty()), d -> host.clock().advance(d),
                        ZoneOffset.UTC));
    }

    private Follower follower() {
        return follower(FollowOptions.defaults());
    }

    private void publish(Behaviour... behaviours) throws IOException {
        FakeNixosSystem.behave(host.flake(), behaviours);
        Files.writeString(host.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-"
                + System.nanoTime() + "\"; }\n");
        host.publish();
    }

    /** The invariant: profile and boot default on {@code good}, and it runs. */
    private void assertOnGeneration(int good) {
        Path toplevel = system.generation(good);
        assertThat(system.profileGeneration()).as("profile generation").isEqualTo(good);
        assertThat(system.bootDefault()).as("boot default").isEqualTo(toplevel);
        assertThat(system.current()).as("current system").isEqualTo(toplevel);
    }

    @Test
    void withoutChecksItIsNixosRebuildSwitchAsBefore() throws IOException {
        publish();
        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        assertThat(system.events()).first().asString().isEqualTo("nixos-rebuild switch web");
        assertThat(system.events()).noneMatch(e -> e.startsWith("nixos-rebuild test"));
        assertThat(host.dataDir().loadState().pending()).isNull();
        assertThat(host.dataDir().loadState().bootCheck()).isNull();
        assertOnGeneration(2);
    }

    @Test
    void passingChecksCommitExactlyTheTestedToplevel() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish();
        Instant start = host.clock().instant();

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Activated.class, a -> {
            assertThat(a.checks()).hasSize(4).allMatch(c -> c.passed(), "passed");
            assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.NONE);
        });
        Path trial = system.current();
        assertThat(system.events()).containsExactly(
                "nixos-rebuild test web",
                "switch-to-configuration test " + trial,
                "nix-env set " + trial,
                "switch-to-configuration boot " + trial);
        assertOnGeneration(2);
        assertThat(system.generation(2)).isEqualTo(trial);
        assertThat(Duration.between(start, host.clock().instant())).as("the settle time passed before the checks")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(10));
        HostState state = host.dataDir().loadState();
        assertThat(state.pending()).isNull();
        assertThat(state.checks()).extracting(c -> c.name()).containsExactly("systemd", "http " + system.healthUrl(),
                "command " + system.healthCommand(), "remote");
        assertThat(state.lastAttempt()).get().satisfies(a -> {
            assertThat(a.result()).isEqualTo(HostState.Result.ACTIVATED);
            assertThat(a.checks()).hasSize(4);
        });
        assertThat(host.dataDir().loadSettings().lastEtag()).isPresent();
    }

    @Test
    void eachFailingCheckRollsBackToTheProfileGenerationAndQuarantines() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        record Case(Behaviour behaviour, String failing) {
        }
        for (Case c : List.of(new Case(Behaviour.UNIT_FAILS, "systemd"), new Case(Behaviour.HTTP_FAILS, "http " + system.healthUrl()),
                new Case(Behaviour.COMMAND_FAILS, "command " + system.healthCommand()), new Case(Behaviour.CUTS_STORE, "remote"),
                new Case(Behaviour.ACTIVATION_FAILS, "activation"))) {
            publish(c.behaviour());
            PollOutcome outcome = follower().pollOnce();

            assertThat(outcome).as(c.behaviour().name()).isInstanceOfSatisfying(PollOutcome.RolledBack.class, r -> {
                assertThat(r.failing()).containsExactly(c.failing());
                assertThat(r.error().errorClass()).isEqualTo(ErrorClass.UNHEALTHY);
                assertThat(r.error().getMessage()).contains("rolled back to generation 1");
            });
            assertOnGeneration(1);
            assertThat(system.events()).as(c.behaviour().name()).contains("switch-to-configuration test " + system.generation(1))
                    .noneMatch(e -> e.startsWith("nix-env set"));
            HostState state = host.dataDir().loadState();
            assertThat(state.pending()).isNull();
            assertThat(state.lastAttempt()).get().satisfies(a -> {
                assertThat(a.result()).isEqualTo(HostState.Result.ROLLED_BACK);
                assertThat(a.errorClass()).isEqualTo(ErrorClass.UNHEALTHY);
            });
            assertThat(state.quarantined()).last().satisfies(q -> assertThat(q.reason()).contains(c.failing()));
            // never a loop: the next poll does not try it again
            int runs = system.events().size();
            assertThat(follower().pollOnce()).isInstanceOfAny(PollOutcome.Quarantined.class);
            assertThat(system.events()).hasSize(runs);
        }
    }

    @Test
    void checksThatRecoverBeforeTheDeadlinePass() throws IOException {
        HealthSettings h = allChecks();
        configure(new HealthSettings(false, List.of(), 0, List.of(), h.httpTimeout(),
                List.of("test -e " + host.tmp().resolve("ready") + " || { touch " + host.tmp().resolve("ready") + "; exit 1; }"),
                h.commandTimeout(), false, h.settle(), h.deadline(), h.interval()), RebootSettings.NEVER);
        publish();

        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertOnGeneration(2);
    }

    @Test
    void aFlakeThatDoesNotEvaluateFailsAsBeforeWithNothingToRollBack() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish(Behaviour.EVAL_FAILS);

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class,
                f -> assertThat(f.error().errorClass()).isEqualTo(ErrorClass.DETERMINISTIC));
        assertThat(system.events()).containsExactly("nixos-rebuild test web");
        assertOnGeneration(1);
        assertThat(host.dataDir().loadState().pending()).isNull();
        assertThat(host.dataDir().loadState().quarantined()).hasSize(1);
    }

    @Test
    void aRollbackThatFailsIsItsOwnOutcomeQuarantinedAndNeverLoops() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        Path oldActivation = system.generation(1).resolve("bin/switch-to-configuration");
        Files.writeString(oldActivation, "#!/bin/sh\necho 'cannot activate' >&2\nexit 3\n");
        publish(Behaviour.HTTP_FAILS);

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.RollbackFailed.class, r -> {
            assertThat(r.failing()).containsExactly("http " + system.healthUrl());
            assertThat(r.error().getMessage()).contains("rollback to generation 1 failed").contains("exited 3");
        });
        assertThat(system.profileGeneration()).as("the profile never moved").isEqualTo(1);
        assertThat(system.bootDefault()).isEqualTo(system.generation(1));
        HostState state = host.dataDir().loadState();
        assertThat(state.lastAttempt()).get().extracting(HostState.Attempt::result).isEqualTo(HostState.Result.ROLLBACK_FAILED);
        assertThat(state.quarantined()).hasSize(1);
        int runs = system.events().size();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Quarantined.class);
        assertThat(system.events()).hasSize(runs);
    }

    @Test
    void noHealthChecksAppliesWithoutThem() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish(Behaviour.HTTP_FAILS);

        assertThat(follower(FollowOptions.defaults().withHealthChecks(false)).pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        assertThat(system.events()).first().asString().isEqualTo("nixos-rebuild switch web");
    }

    @Test
    void aTrialStillRunningAtStartIsFinished() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish();
        HostState.Pending pending = trialUpToChecking();
        assertThat(system.profileGeneration()).as("not committed yet").isEqualTo(1);

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        assertThat(system.profileToplevel()).isEqualTo(pending.trial());
        assertOnGeneration(2);
        assertThat(host.dataDir().loadState().pending()).isNull();
    }

    @Test
    void aTrialCutShortBeforeTheSwitchIsInterruptedRetriedOnceThenQuarantined() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish();
        for (int round = 1; round <= 2; round++) {
            writePendingTrial(HostState.Pending.Phase.TRIAL, null);
            PollOutcome outcome = follower().pollOnce();
            assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class,
                    f -> assertThat(f.error().errorClass()).isEqualTo(ErrorClass.INTERRUPTED));
            assertOnGeneration(1);
            HostState state = host.dataDir().loadState();
            assertThat(state.pending()).isNull();
            if (round == 1) {
                assertThat(state.quarantined()).as("retried once").isEmpty();
            } else {
                assertThat(state.quarantined()).as("then quarantined").hasSize(1);
            }
        }
    }

    @Test
    void aTrialStoppedOnRequestIsNeverHeldAgainstTheRelease() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish();
        for (int round = 1; round <= 3; round++) {
            writePendingTrial(HostState.Pending.Phase.TRIAL, null);
            host.dataDir().recordStopRequest(host.clock().instant()); // what the daemon writes as SIGTERM arrives
            PollOutcome outcome = follower().pollOnce();
            assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class, f -> {
                assertThat(f.error().errorClass()).isEqualTo(ErrorClass.INTERRUPTED);
                assertThat(f.error().stopRequested()).isTrue();
            });
            HostState state = host.dataDir().loadState();
            assertThat(state.quarantined()).as("round %d: a requested stop is never the release's fault", round).isEmpty();
            assertThat(state.lastAttempt()).hasValueSatisfying(a -> assertThat(a.stopRequested()).isTrue());
            assertThat(host.dataDir().root().resolve(dev.npcnix.state.DataDir.STOP_FILE)).as("read once").doesNotExist();
        }
        // a stop recorded before this trial started says nothing about it: the crash counts, twice quarantines
        host.dataDir().recordStopRequest(host.clock().instant().minusSeconds(60));
        for (int round = 1; round <= 2; round++) {
            writePendingTrial(HostState.Pending.Phase.TRIAL, null);
            follower().pollOnce();
        }
        assertThat(host.dataDir().loadState().quarantined()).hasSize(1);
    }

    @Test
    void aRebootDuringTheChecksBootsTheUntouchedDefaultAndIsAnInterruption() throws IOException {
        configure(allChecks(), RebootSettings.NEVER);
        publish();
        HostState.Pending pending = trialUpToChecking();
        assertThat(system.current()).isEqualTo(pending.trial());
        assertThat(system.bootDefault()).as("a trial never touches the boot default").isEqualTo(system.generation(1));

        system.reboot();
        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Failed.class,
                f -> assertThat(f.error().getMessage()).contains("interrupted").contains("rebooted"));
        assertOnGeneration(1);
    }

    @Test
    void aNewKernelRebootsWhenNeededAndIsCheckedAgainAfterTheReboot() throws IOException {
        configure(allChecks(), new RebootSettings(RebootPolicy.WHEN_NEEDED, Optional.empty()));
        publish(Behaviour.NEW_KERNEL);

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.REQUESTED));
        assertThat(system.rebootRequested()).isTrue();
        assertOnGeneration(2);
        assertThat(host.dataDir().loadState().pending().phase()).isEqualTo(HostState.Pending.Phase.REBOOT);

        system.reboot();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        HostState state = host.dataDir().loadState();
        assertThat(state.pending()).isNull();
        assertThat(state.bootCheck()).satisfies(b -> {
            assertThat(b.passed()).isTrue();
            assertThat(b.bootId()).isEqualTo(system.bootId());
        });
        assertOnGeneration(2);
    }

    @Test
    void aNewKernelWhoseChecksFailAfterTheRebootGoesBackWithOneReboot() throws IOException {
        configure(allChecks(), new RebootSettings(RebootPolicy.WHEN_NEEDED, Optional.empty()));
        publish(Behaviour.NEW_KERNEL, Behaviour.FAILS_AFTER_BOOT);
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        system.reboot();

        PollOutcome afterBoot = follower().pollOnce();

        assertThat(afterBoot).isInstanceOfSatisfying(PollOutcome.Rebooting.class, r -> assertThat(r.rollback()).isTrue());
        assertThat(system.profileGeneration()).as("the profile back").isEqualTo(1);
        assertThat(system.bootDefault()).as("the boot default back").isEqualTo(system.generation(1));
        assertThat(system.rebootRequested()).isTrue();
        system.reboot();

        PollOutcome back = follower().pollOnce();

        assertThat(back).isInstanceOfSatisfying(PollOutcome.RolledBack.class,
                r -> assertThat(r.failing()).containsExactly("http " + system.healthUrl()));
        assertOnGeneration(1);
        assertThat(system.booted()).isEqualTo(system.generation(1));
        HostState state = host.dataDir().loadState();
        assertThat(state.pending()).isNull();
        assertThat(state.quarantined()).hasSize(1);
        assertThat(system.events().stream().filter(e -> e.equals("systemctl reboot")).count()).as("two reboots: there and back")
                .isEqualTo(2);
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Quarantined.class);
        assertThat(system.rebootRequested()).isFalse();
    }

    @Test
    void aSystemTheBootLoaderCouldNotBootIsUndone() throws IOException {
        configure(allChecks(), new RebootSettings(RebootPolicy.ALWAYS, Optional.empty()));
        publish();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        // the boot loader gave up on the new entry (boot counting) and booted the previous one
        Files.delete(system.root().resolve("boot/default"));
        Files.createSymbolicLink(system.root().resolve("boot/default"), system.generation(1));
        system.reboot();

        PollOutcome outcome = follower().pollOnce();

        assertThat(outcome).isInstanceOfSatisfying(PollOutcome.RolledBack.class,
                r -> assertThat(r.failing()).containsExactly("boot"));
        assertOnGeneration(1);
    }

    @Test
    void outsideTheWindowTheRebootIsPendingUntilItOpens() throws IOException {
        // the test clock is at 12:00 UTC
        configure(allChecks(), new RebootSettings(RebootPolicy.WHEN_NEEDED, Optional.of(RebootWindow.parse("02:00-04:00"))));
        publish(Behaviour.NEW_KERNEL);

        assertThat(follower().pollOnce()).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.PENDING));
        assertThat(system.rebootRequested()).isFalse();
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Unchanged.class);
        assertThat(host.dataDir().loadState().pending().phase()).isEqualTo(HostState.Pending.Phase.REBOOT);

        host.clock().set(Instant.parse("2026-03-02T02:30:00Z"));
        assertThat(follower().pollOnce()).isInstanceOf(PollOutcome.Rebooting.class);
        assertThat(system.rebootRequested()).isTrue();
    }

    @Test
    void operationBootCommitsWithoutATrialAndIsCheckedAfterTheReboot() throws IOException {
        configure(allChecks(), new RebootSettings(RebootPolicy.ALWAYS, Optional.empty()));
        publish(Behaviour.FAILS_AFTER_BOOT);
        Follower boot = follower(FollowOptions.defaults().withOperation(Operation.BOOT));

        assertThat(boot.pollOnce()).isInstanceOfSatisfying(PollOutcome.Activated.class,
                a -> assertThat(a.reboot()).isEqualTo(PollOutcome.Reboot.REQUESTED));
        assertThat(system.events()).first().asString().isEqualTo("nixos-rebuild boot web");
        assertThat(system.current()).as("not activated before the reboot").isEqualTo(system.generation(1));
        assertThat(system.profileGeneration()).as("operation = boot: the profile moves before any check").isEqualTo(2);
        system.reboot();
        assertThat(boot.pollOnce()).isInstanceOf(PollOutcome.Rebooting.class);
        system.reboot();

        assertThat(boot.pollOnce()).isInstanceOf(PollOutcome.RolledBack.class);
        assertOnGeneration(1);
    }

    /**
     * Runs a trial up to its checks and stops there, as a kill during the checks leaves it: the poll's
     * wait for the settle time is interrupted.
     */
    private HostState.Pending trialUpToChecking() {
        Follower stopped = new Follower(host.dataDir(), host.stores(), Activators.nixosRebuild(system.env(), Optional.empty()),
                host.clock(), FollowOptions.defaults(), new HostSystem(NixosSystem.fromEnvironment(system.env(), Optional.empty()),
                        d -> {
                            throw new InterruptedException("killed");
                        }, ZoneOffset.UTC));
        PollOutcome outcome = stopped.pollOnce();
        Thread.interrupted(); // the stand-in kill set the flag
        assertThat(outcome).isInstanceOf(PollOutcome.Failed.class);
        HostState.Pending pending = host.dataDir().loadState().pending();
        assertThat(pending).isNotNull();
        assertThat(pending.phase()).isEqualTo(HostState.Pending.Phase.CHECKING);
        return pending;
    }

    /** A pending record as a trial writes it before {@code nixos-rebuild test}, for the latest release. */
    private void writePendingTrial(HostState.Pending.Phase phase, Path trial) {
        Release release = latestRelease();
        host.dataDir().storeState(host.dataDir().loadState().withPending(new HostState.Pending(phase, remote, release.etag(),
                release.sha256(), release.size(), HostFixture.WEB, Operation.SWITCH, 0, host.clock().instant(), system.bootId(),
                new dev.npcnix.system.Generation(1, system.generation(1)), system.current(), trial, List.of(), null, 0)));
    }

    private Release latestRelease() {
        try {
            byte[] bytes = Files.readAllBytes(host.tmp().resolve("store/prod.npcnix"));
            String sha = java.util.HexFormat.of().formatHex(dev.npcnix.local.Digests.sha256().digest(bytes));
            return new Release(remote, new dev.npcnix.store.Etag(sha), sha, bytes.length);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
