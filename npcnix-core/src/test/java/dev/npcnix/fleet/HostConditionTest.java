package dev.npcnix.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ConfigurationName;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteUri;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a reader of reports adds to a host's own word ({@code HostStatus.of}, tested in HostStatusTest and
 * against reports in ReportAgreesWithStatusTest): {@code behind} against the remote's current release, and
 * {@code silent}.
 */
class HostConditionTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final RemoteUri REMOTE = RemoteUri.parse("s3://acme/prod.npcnix");
    private static final ConfigurationName WEB = ConfigurationName.of("web");
    private static final Etag GOOD = new Etag("11111111111111111111111111111111");
    private static final Etag BAD = new Etag("22222222222222222222222222222222");

    private static HostReport report(HostStatus.State state, Etag applied, Instant at) {
        return new HostReport(new HostId("web-1"), REMOTE, WEB, state,
                applied == null ? null : new HostReport.Applied(new HostReport.ReleaseRef(applied, null, 0), WEB, at),
                null, null, null, List.of(), false, null, null, "v", Duration.ofHours(3), at);
    }

    @Test
    void whatTheFleetViewAdds() {
        Optional<Etag> current = Optional.of(GOOD);
        assertThat(HostCondition.inFleet(report(HostStatus.State.IN_SYNC, GOOD, NOW), current, NOW)).isEqualTo(HostStatus.State.IN_SYNC);
        assertThat(HostCondition.inFleet(report(HostStatus.State.IN_SYNC, BAD, NOW), current, NOW)).isEqualTo(HostStatus.State.BEHIND);
        assertThat(HostCondition.inFleet(report(HostStatus.State.IN_SYNC, null, NOW), current, NOW))
                .as("never applied anything").isEqualTo(HostStatus.State.BEHIND);
        assertThat(HostCondition.inFleet(report(HostStatus.State.FAILING, BAD, NOW), current, NOW)).isEqualTo(HostStatus.State.FAILING);
        assertThat(HostCondition.inFleet(report(HostStatus.State.ROLLED_BACK, GOOD, NOW), current, NOW))
                .isEqualTo(HostStatus.State.ROLLED_BACK);
        assertThat(HostCondition.inFleet(report(HostStatus.State.PAUSED, BAD, NOW), current, NOW)).isEqualTo(HostStatus.State.PAUSED);
        assertThat(HostCondition.inFleet(report(HostStatus.State.REBOOT_PENDING, GOOD, NOW), current, NOW))
                .isEqualTo(HostStatus.State.REBOOT_PENDING);

        Instant heartbeat = NOW.minus(Duration.ofHours(4).plusMinutes(30));
        assertThat(HostCondition.inFleet(report(HostStatus.State.IN_SYNC, GOOD, heartbeat), current, NOW))
                .as("exactly 1.5 intervals old").isEqualTo(HostStatus.State.IN_SYNC);
        assertThat(HostCondition.inFleet(report(HostStatus.State.IN_SYNC, GOOD, heartbeat.minusSeconds(1)), current, NOW))
                .isEqualTo(HostStatus.State.SILENT);
        assertThat(HostCondition.silentAfter(Reporter.DEFAULT_INTERVAL)).isEqualTo(Duration.ofMinutes(270));
    }
}
