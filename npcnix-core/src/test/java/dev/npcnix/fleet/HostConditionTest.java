package dev.npcnix.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ConfigurationName;
import dev.npcnix.ErrorClass;
import dev.npcnix.activate.Operation;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.HostState;
import dev.npcnix.state.Settings;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every state a host or the fleet view can be in, from the files and reports that decide it. */
class HostConditionTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://acme/prod.npcnix");
    private static final ConfigurationName WEB = ConfigurationName.of("web");
    private static final Etag GOOD = new Etag("11111111111111111111111111111111");
    private static final Etag BAD = new Etag("22222222222222222222222222222222");

    private final Settings applied = Settings.empty().withRemote(REMOTE).withConfiguration(WEB)
            .withLastReconfiguration(NOW.minusSeconds(3600), GOOD, WEB);

    private static HostState.Attempt attempt(Etag etag, HostState.Result result) {
        return new HostState.Attempt(NOW, 10, REMOTE, etag, "sha", WEB, Operation.SWITCH, result,
                result == HostState.Result.ACTIVATED ? null : ErrorClass.DETERMINISTIC, null);
    }

    private HostState seen(Etag etag) {
        return HostState.empty().withLastSeen(new HostState.LastSeen(REMOTE, etag, WEB));
    }

    @Test
    void whatAHostKnowsOfItself() {
        Optional<PollOutcome> unchanged = Optional.of(new PollOutcome.Unchanged(GOOD));
        assertThat(HostCondition.ofHost(Settings.empty(), HostState.empty(), Optional.empty(), false, NOW))
                .isEqualTo(HostCondition.NOT_BOOTSTRAPPED);
        assertThat(HostCondition.ofHost(applied, seen(GOOD), unchanged, false, NOW)).isEqualTo(HostCondition.IN_SYNC);
        assertThat(HostCondition.ofHost(applied, seen(GOOD), unchanged, true, NOW)).isEqualTo(HostCondition.ACTIVATING);
        assertThat(HostCondition.ofHost(applied.withPausedFor(NOW, Duration.ofHours(1)), seen(GOOD), unchanged, false, NOW))
                .isEqualTo(HostCondition.PAUSED);
        assertThat(HostCondition.ofHost(applied.withPausedFor(NOW.minusSeconds(7200), Duration.ofHours(1)), seen(GOOD),
                unchanged, false, NOW)).as("a pause that ended").isEqualTo(HostCondition.IN_SYNC);
        PollOutcome storeDown = new PollOutcome.Failed(Optional.empty(),
                new StoreException(REMOTE, StoreException.Reason.UNREACHABLE, "cannot reach", null));
        assertThat(HostCondition.ofHost(applied, seen(GOOD), Optional.of(storeDown), false, NOW)).isEqualTo(HostCondition.FAILING);

        HostState quarantined = seen(BAD).withAttempt(attempt(BAD, HostState.Result.FAILED))
                .withQuarantine(new HostState.Quarantine(REMOTE, BAD, "sha", WEB, NOW, "nixos-rebuild exited 1"));
        assertThat(HostCondition.ofHost(applied, quarantined, Optional.of(new PollOutcome.Unchanged(BAD)), false, NOW))
                .isEqualTo(HostCondition.QUARANTINED);
        HostState rolledBack = quarantined.withAttempt(attempt(BAD, HostState.Result.ROLLED_BACK));
        assertThat(HostCondition.ofHost(applied, rolledBack, Optional.of(new PollOutcome.Unchanged(BAD)), false, NOW))
                .isEqualTo(HostCondition.ROLLED_BACK);
        HostState quarantinedBefore = seen(GOOD).withQuarantine(new HostState.Quarantine(REMOTE, BAD, "sha", WEB, NOW, "x"));
        assertThat(HostCondition.ofHost(applied, quarantinedBefore, unchanged, false, NOW))
                .as("an old quarantine does not matter once the remote moved on").isEqualTo(HostCondition.IN_SYNC);
    }

    private static HostReport report(HostCondition state, Etag applied, Instant at) {
        return new HostReport(new HostId("web-1"), REMOTE, WEB, state,
                applied == null ? null : new HostReport.Applied(new HostReport.ReleaseRef(applied, null, 0), WEB, at),
                null, null, null, List.of(), false, null, null, "v", Duration.ofHours(3), at);
    }

    @Test
    void whatTheFleetViewAdds() {
        Optional<Etag> current = Optional.of(GOOD);
        assertThat(HostCondition.inFleet(report(HostCondition.IN_SYNC, GOOD, NOW), current, NOW)).isEqualTo(HostCondition.IN_SYNC);
        assertThat(HostCondition.inFleet(report(HostCondition.IN_SYNC, BAD, NOW), current, NOW)).isEqualTo(HostCondition.BEHIND);
        assertThat(HostCondition.inFleet(report(HostCondition.IN_SYNC, null, NOW), current, NOW))
                .as("never applied anything").isEqualTo(HostCondition.BEHIND);
        assertThat(HostCondition.inFleet(report(HostCondition.FAILING, BAD, NOW), current, NOW)).isEqualTo(HostCondition.FAILING);
        assertThat(HostCondition.inFleet(report(HostCondition.PAUSED, BAD, NOW), current, NOW)).isEqualTo(HostCondition.PAUSED);
        assertThat(HostCondition.inFleet(report(HostCondition.REBOOT_PENDING, GOOD, NOW), current, NOW))
                .isEqualTo(HostCondition.REBOOT_PENDING);

        Instant heartbeat = NOW.minus(Duration.ofHours(4).plusMinutes(30));
        assertThat(HostCondition.inFleet(report(HostCondition.IN_SYNC, GOOD, heartbeat), current, NOW))
                .as("exactly 1.5 intervals old").isEqualTo(HostCondition.IN_SYNC);
        assertThat(HostCondition.inFleet(report(HostCondition.IN_SYNC, GOOD, heartbeat.minusSeconds(1)), current, NOW))
                .isEqualTo(HostCondition.SILENT);
        assertThat(HostCondition.silentAfter(Reporter.DEFAULT_INTERVAL)).isEqualTo(Duration.ofMinutes(270));
    }

    @Test
    void theExitCodeCountsWhatDoesNotConverge() {
        assertThat(List.of(HostCondition.values())).filteredOn(HostCondition::isFailure).containsExactly(
                HostCondition.FAILING, HostCondition.ROLLED_BACK, HostCondition.QUARANTINED, HostCondition.SILENT);
        assertThat(HostCondition.parse("in sync")).isEqualTo(HostCondition.IN_SYNC);
        assertThat(HostCondition.REBOOT_PENDING.json()).isEqualTo("reboot_pending");
        assertThat(HostCondition.REBOOT_PENDING.words()).isEqualTo("reboot pending");
    }
}
