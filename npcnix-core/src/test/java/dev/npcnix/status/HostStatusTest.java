package dev.npcnix.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.state.Daemon;
import dev.npcnix.state.HostState;
import dev.npcnix.state.LastPoll;
import dev.npcnix.state.Pause;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The classification alone, on values: no data dir, no CLI. */
class HostStatusTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://acme/prod.npcnix");
    private static final ConfigurationName WEB = ConfigurationName.of("web");
    private static final Etag V1 = new Etag("v1");
    private static final Etag V2 = new Etag("v2");
    private static final Etag V3 = new Etag("v3");
    private static final Daemon RUNNING = new Daemon.Running(OptionalLong.of(1234));
    private static final Daemon STOPPED = new Daemon.NotRunning();

    private static Settings host() {
        return Settings.empty().withRemote(REMOTE).withConfiguration(WEB);
    }

    private static Settings applied(Etag etag, Instant at) {
        return host().withLastReconfiguration(at, etag, WEB);
    }

    private static LastPoll poll(LastPoll.Outcome outcome, Etag served) {
        return LastPoll.at(NOW.minusSeconds(30), REMOTE, WEB, outcome, served, null, null);
    }

    private static LastPoll failed(Etag release, ErrorClass errorClass, String message) {
        return LastPoll.at(NOW.minusSeconds(30), REMOTE, WEB, LastPoll.Outcome.FAILED, release, errorClass, message);
    }

    private static HostState quarantined(Etag etag, Instant at) {
        return HostState.empty()
                .withAttempt(new HostState.Attempt(at, 10, REMOTE, etag, "sha", WEB, Operation.SWITCH, HostState.Result.FAILED,
                        ErrorClass.DETERMINISTIC, "nixos-rebuild exited 1"))
                .withQuarantine(new HostState.Quarantine(REMOTE, etag, "sha", WEB, at, "nixos-rebuild exited 1"))
                .withLastSeen(new HostState.LastSeen(REMOTE, etag, WEB));
    }

    @Test
    void aHostWithoutRemoteOrConfigurationIsNotBootstrapped() {
        for (Settings s : new Settings[] {Settings.empty(), Settings.empty().withRemote(REMOTE), Settings.empty().withConfiguration(WEB)}) {
            HostStatus st = HostStatus.of(s, HostState.empty(), Optional.empty(), STOPPED, NOW);
            assertThat(st.state()).isEqualTo(HostStatus.State.NOT_BOOTSTRAPPED);
            assertThat(st.notBootstrapped()).isTrue();
            assertThat(st.advice()).containsExactly("run npcnix bootstrap --remote URI --configuration NAME");
        }
    }

    @Test
    void theAppliedReleaseIsWhatTheRemoteServedIsInSync() {
        HostStatus st = HostStatus.of(applied(V1, NOW.minusSeconds(3600)), HostState.empty(),
                Optional.of(poll(LastPoll.Outcome.UNCHANGED, V1)), RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.IN_SYNC);
        assertThat(st.state().label()).isEqualTo("in sync");
        assertThat(st.served()).contains(V1);
        assertThat(st.applied()).contains(V1);
        assertThat(st.advice()).isEmpty();
    }

    @Test
    void aRemoteServingSomethingElseIsBehindAndANotRunningDaemonIsTheAdvice() {
        Settings local = host().withLastReconfiguration(NOW.minusSeconds(60), null, WEB); // a local `npcnix activate`
        HostStatus st = HostStatus.of(local, HostState.empty(), Optional.of(poll(LastPoll.Outcome.UNCHANGED, V1)), STOPPED, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.BEHIND);
        assertThat(st.advice()).containsExactly("no npcnix follow is running: start it (systemctl start npcnix, or npcnix follow)");

        HostStatus fresh = HostStatus.of(host(), HostState.empty(), Optional.empty(), RUNNING, NOW);
        assertThat(fresh.state()).as("nothing applied yet").isEqualTo(HostStatus.State.BEHIND);
        assertThat(fresh.advice()).isEmpty();
    }

    @Test
    void aPauseWinsAndSaysWhenItEnds() {
        Instant until = NOW.plus(Duration.ofHours(2));
        HostStatus timed = HostStatus.of(applied(V1, NOW).withPaused(Optional.of(new Pause.Until(until))), HostState.empty(),
                Optional.of(failed(null, ErrorClass.TRANSIENT, "remote s3://acme/prod.npcnix: not found")), RUNNING, NOW);
        assertThat(timed.state()).isEqualTo(HostStatus.State.PAUSED);
        assertThat(timed.advice()).containsExactly("resumes by itself at " + until + " (npcnix unpause resumes now)");

        HostStatus ended = HostStatus.of(applied(V1, NOW).withPaused(Optional.of(new Pause.Until(NOW.minusSeconds(1)))),
                HostState.empty(), Optional.of(poll(LastPoll.Outcome.PAUSED, null)), RUNNING, NOW);
        assertThat(ended.state()).as("a pause that has ended is no pause").isEqualTo(HostStatus.State.IN_SYNC);
    }

    @Test
    void aFailingPollIsFailingWithAdviceForItsClass() {
        Settings s = applied(V1, NOW.minusSeconds(3600));
        assertThat(HostStatus.of(s, HostState.empty(), Optional.of(failed(null, ErrorClass.TRANSIENT, "access denied")), RUNNING, NOW))
                .satisfies(st -> {
                    assertThat(st.state()).isEqualTo(HostStatus.State.FAILING);
                    assertThat(st.served()).as("the store did not answer: the last release dealt with is all we know").isEmpty();
                    assertThat(st.advice()).singleElement().asString().contains("the store or the network failed");
                });
        assertThat(HostStatus.of(s, HostState.empty(), Optional.of(failed(V2, ErrorClass.LOCAL, "No space left")), RUNNING, NOW)
                .advice()).singleElement().asString().startsWith("a problem on this host");
        assertThat(HostStatus.of(s, HostState.empty(), Optional.of(failed(V2, ErrorClass.INTERRUPTED, "exited 143")), RUNNING, NOW)
                .advice()).singleElement().asString().contains("the next start of the daemon tries it again");
    }

    @Test
    void aQuarantinedReleaseTheRemoteStillServesIsQuarantinedWithPublishAFix() {
        HostStatus st = HostStatus.of(applied(V1, NOW.minusSeconds(3600)), quarantined(V2, NOW.minusSeconds(600)),
                Optional.of(poll(LastPoll.Outcome.QUARANTINED, V2)), RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.QUARANTINED);
        assertThat(st.state().isFailure()).isTrue();
        assertThat(st.quarantined()).singleElement().satisfies(q -> assertThat(q.etag()).isEqualTo(V2));
        assertThat(st.advice()).containsExactly("publish a fix, or run npcnix retry to try release v2 again");
    }

    @Test
    void afterAFixIsPublishedAndAppliedNothingOfTheOldFailureRemains() {
        // v2 failed and is quarantined (still in state.json); v3, the fix, was applied at the same instant
        HostState state = quarantined(V2, NOW).withLastSeen(new HostState.LastSeen(REMOTE, V3, WEB));
        HostStatus st = HostStatus.of(applied(V3, NOW), state, Optional.of(poll(LastPoll.Outcome.ACTIVATED, V3)), RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.IN_SYNC);
        assertThat(st.quarantined()).as("the old quarantine is history").isEmpty();
        assertThat(st.advice()).isEmpty();
    }

    @Test
    void aQuarantineClearedByRetryIsNoLongerAFailure() {
        HostStatus st = HostStatus.of(applied(V1, NOW.minusSeconds(3600)), HostState.empty(),
                Optional.of(failed(V2, ErrorClass.DETERMINISTIC, "nixos-rebuild exited 1")), RUNNING, NOW);
        assertThat(st.state()).as("the next poll tries v2 again").isEqualTo(HostStatus.State.BEHIND);
        assertThat(st.advice()).isEmpty();
    }

    @Test
    void withoutAPollRecordTheLastReleaseDealtWithStandsIn() {
        HostStatus inSync = HostStatus.of(applied(V1, NOW.minusSeconds(3600)),
                HostState.empty().withLastSeen(new HostState.LastSeen(REMOTE, V1, WEB)), Optional.empty(), RUNNING, NOW);
        assertThat(inSync.state()).isEqualTo(HostStatus.State.IN_SYNC);
        HostStatus blocked = HostStatus.of(applied(V1, NOW.minusSeconds(3600)), quarantined(V2, NOW.minusSeconds(60)),
                Optional.empty(), RUNNING, NOW);
        assertThat(blocked.state()).isEqualTo(HostStatus.State.QUARANTINED);
        assertThat(blocked.served()).contains(V2);
    }

    @Test
    void aPollOfAnotherRemoteOrConfigurationSaysNothingAboutThisOne() {
        LastPoll other = LastPoll.at(NOW, REMOTE, ConfigurationName.of("db"), LastPoll.Outcome.FAILED, null,
                ErrorClass.TRANSIENT, "down");
        HostStatus st = HostStatus.of(applied(V1, NOW.minusSeconds(60)), HostState.empty(), Optional.of(other), RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.IN_SYNC);
    }

    @Test
    void anUnknownDaemonGivesNoAdvice() {
        HostStatus st = HostStatus.of(host(), HostState.empty(), Optional.empty(), new Daemon.Unknown("permission denied"), NOW);
        assertThat(st.advice()).isEmpty();
        assertThat(st.daemon().toString()).isEqualTo("unknown (permission denied)");
    }

    private static HostState.Pending pending(HostState.Pending.Phase phase, Etag etag) {
        return new HostState.Pending(phase, REMOTE, etag, "sha", 10, WEB, Operation.SWITCH, 0, NOW.minusSeconds(60), "boot-1",
                new dev.npcnix.system.Generation(4, java.nio.file.Path.of("/nix/store/prev")), null,
                java.nio.file.Path.of("/nix/store/next"), java.util.List.of(), null, 0);
    }

    @Test
    void safeActivationsWordsComeFromTheSameFunction() {
        Settings s = applied(V1, NOW.minusSeconds(3600));
        assertThat(HostStatus.of(s, HostState.empty().withPending(pending(HostState.Pending.Phase.CHECKING, V2)), Optional.empty(),
                RUNNING, NOW).state()).as("a trial runs").isEqualTo(HostStatus.State.ACTIVATING);
        assertThat(HostStatus.of(s, HostState.empty(), Optional.empty(), RUNNING, true, NOW).state())
                .as("the follower says it activates").isEqualTo(HostStatus.State.ACTIVATING);
        HostStatus reboot = HostStatus.of(applied(V2, NOW), HostState.empty().withPending(pending(HostState.Pending.Phase.REBOOT, V2)),
                Optional.of(poll(LastPoll.Outcome.ACTIVATED, V2)), RUNNING, NOW);
        assertThat(reboot.state()).isEqualTo(HostStatus.State.REBOOT_PENDING);
        assertThat(reboot.advice()).singleElement().asString().startsWith("a reboot into release v2 is due");

        HostState rolledBack = HostState.empty()
                .withAttempt(new HostState.Attempt(NOW, 10, REMOTE, V2, "sha", WEB, Operation.SWITCH, HostState.Result.ROLLED_BACK,
                        ErrorClass.UNHEALTHY, "checks failed: http"))
                .withQuarantine(new HostState.Quarantine(REMOTE, V2, "sha", WEB, NOW, "checks failed: http"))
                .withLastSeen(new HostState.LastSeen(REMOTE, V2, WEB));
        LastPoll rb = LastPoll.at(NOW, REMOTE, WEB, LastPoll.Outcome.ROLLED_BACK, V2, ErrorClass.UNHEALTHY, "checks failed: http");
        HostStatus st = HostStatus.of(s, rolledBack, Optional.of(rb), RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.ROLLED_BACK);
        assertThat(st.state().json()).isEqualTo("rolled_back");
        assertThat(st.state().isFailure()).isTrue();
        assertThat(HostStatus.of(s, rolledBack, Optional.of(poll(LastPoll.Outcome.QUARANTINED, V2)), RUNNING, NOW).state())
                .as("the next polls find it quarantined, and it stays the rolled-back release").isEqualTo(HostStatus.State.ROLLED_BACK);

        LastPoll failedRollback = LastPoll.at(NOW, REMOTE, WEB, LastPoll.Outcome.ROLLBACK_FAILED, V2, ErrorClass.UNHEALTHY, "x");
        HostStatus broken = HostStatus.of(s, rolledBack, Optional.of(failedRollback), RUNNING, NOW);
        assertThat(broken.state()).isEqualTo(HostStatus.State.FAILING);
        assertThat(broken.advice()).singleElement().asString().startsWith("ROLLBACK FAILED");
        assertThat(HostStatus.State.parse("reboot pending")).isEqualTo(HostStatus.State.REBOOT_PENDING);
    }

    private static HostState held(Etag etag) {
        return HostState.empty().withRollout(new HostState.Gated(REMOTE, etag, "sha", 1, WEB, 0, "rollout/flake-sha", "{}", "r1", 1,
                NOW.minusSeconds(600), NOW.minusSeconds(600), 0, "wave 0 soaking until 12:15"));
    }

    @Test
    void aReleaseHeldByARolloutIsWaitingUntilTheRemoteServesAnother() {
        HostStatus st = HostStatus.of(applied(V1, NOW.minusSeconds(3600)), held(V2), Optional.of(poll(LastPoll.Outcome.WAITING, V2)),
                RUNNING, NOW);
        assertThat(st.state()).isEqualTo(HostStatus.State.WAITING);
        assertThat(st.state().json()).isEqualTo("waiting");
        assertThat(st.advice()).singleElement().asString().contains("wave 0 soaking until 12:15").contains("rollout status");
        // the remote moved on to V3: the held release is let go at the next poll; until then the host is behind
        assertThat(HostStatus.of(applied(V1, NOW.minusSeconds(3600)), held(V2), Optional.of(poll(LastPoll.Outcome.UNCHANGED, V3)),
                RUNNING, NOW).state()).isEqualTo(HostStatus.State.BEHIND);
    }
}
