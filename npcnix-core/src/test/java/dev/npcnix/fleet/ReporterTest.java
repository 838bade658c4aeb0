package dev.npcnix.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ErrorClass;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.publish.PublishResult;
import dev.npcnix.state.DataDir;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.testing.host.HostFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A host's report on a {@code file://} store: what it says, when it is written, and when it is not. */
class ReporterTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();

    private static final HostId ID = new HostId("web-1");

    private Reporter reporter(Duration interval) {
        return new Reporter(host.dataDir(), host.stores(), ID, host.clock(), interval, "0.1.0-test",
                Map.of(Reporter.CURRENT_SYSTEM_ENV, host.tmp().resolve("current-system").toString(),
                        Reporter.BOOTED_SYSTEM_ENV, host.tmp().resolve("booted-system").toString()));
    }

    private Path reportFile() {
        return Path.of(host.remote().path() + ".hosts/web-1.json");
    }

    private HostReport report() throws IOException {
        return HostReportJson.read(Files.readAllBytes(reportFile()));
    }

    @Test
    void afterAnActivationTheReportSaysInSyncWithTheAppliedRelease() throws IOException {
        PublishResult published = host.publish();
        Files.createSymbolicLink(host.tmp().resolve("current-system"), Path.of("/nix/store/abc-nixos-system-web"));
        Reporter reporter = reporter(Duration.ofHours(3));

        PollOutcome outcome = host.follower().pollOnce();
        reporter.afterPoll(outcome);

        HostReport r = report();
        assertThat(r.hostId()).isEqualTo(ID);
        assertThat(r.remote()).isEqualTo(host.remote());
        assertThat(r.configuration()).isEqualTo(HostFixture.WEB);
        assertThat(r.state()).isEqualTo(HostStatus.State.IN_SYNC);
        assertThat(r.applied().release().etag()).isEqualTo(published.etag());
        assertThat(r.applied().release().sha256()).isEqualTo(published.sha256());
        assertThat(r.lastAttempt().result()).isEqualTo("activated");
        assertThat(r.target()).isNull();
        assertThat(r.generations().current()).isEqualTo("/nix/store/abc-nixos-system-web");
        assertThat(r.npcnixVersion()).isEqualTo("0.1.0-test");
        assertThat(r.reportInterval()).isEqualTo(Duration.ofHours(3));
        assertThat(r.reportedAt()).isEqualTo(host.clock().instant());
        byte[] written = bytes(reportFile());
        assertThat(host.dataDir().loadLastReport()).hasValueSatisfying(b -> assertThat(b).isEqualTo(written));
    }

    @Test
    void aQuietHostWritesOnlyItsHeartbeatOncePerInterval() throws IOException {
        host.publish();
        Reporter reporter = reporter(Duration.ofHours(3));
        Follower follower = host.follower();
        reporter.afterPoll(follower.pollOnce());
        Instant first = report().reportedAt();

        int writes = 0;
        Instant lastWrite = first;
        for (int poll = 0; poll < 200; poll++) { // 200 polls, 2 minutes apart: 6 h 40 min
            host.clock().advance(Duration.ofMinutes(2));
            reporter.afterPoll(follower.pollOnce());
            Instant now = report().reportedAt();
            if (!now.equals(lastWrite)) {
                writes++;
                assertThat(Duration.between(lastWrite, now)).isGreaterThanOrEqualTo(Duration.ofHours(3))
                        .isLessThan(Duration.ofHours(3).plusMinutes(2).plusSeconds(1));
                lastWrite = now;
            }
        }
        assertThat(writes).as("heartbeats in 6 h 40 min at a 3 h interval").isEqualTo(2);
        assertThat(report().state()).isEqualTo(HostStatus.State.IN_SYNC);
    }

    private static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    @Test
    void aPauseAFailureAndAQuarantineAreWrittenAtOnce() throws IOException {
        host.publish();
        Reporter reporter = reporter(Duration.ofHours(3));
        Follower follower = host.follower();
        reporter.afterPoll(follower.pollOnce());

        host.clock().advance(Duration.ofMinutes(2));
        host.dataDir().storeSettings(host.dataDir().loadSettings().withPausedFor(host.clock().instant(), Duration.ofHours(1)));
        reporter.afterPoll(follower.pollOnce());
        assertThat(report().state()).isEqualTo(HostStatus.State.PAUSED);
        assertThat(report().paused()).isTrue();
        assertThat(report().pausedUntil()).isEqualTo(host.clock().instant().plus(Duration.ofHours(1)));

        host.clock().advance(Duration.ofHours(1).plusMinutes(1));
        Files.writeString(host.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"web-2\"; }\n");
        PublishResult broken = host.publish();
        host.rebuild().exitWith(1);
        PollOutcome failed = follower.pollOnce();
        reporter.afterPoll(failed);
        assertThat(failed).isInstanceOf(PollOutcome.Failed.class);
        HostReport r = report();
        assertThat(r.state()).as("a release that failed here is quarantined, as status says").isEqualTo(HostStatus.State.QUARANTINED);
        assertThat(r.lastPoll().errorClass()).isEqualTo(ErrorClass.DETERMINISTIC);
        assertThat(r.lastPoll().message()).startsWith("nixos-rebuild exited 1");
        assertThat(r.target().etag()).isEqualTo(broken.etag());
        assertThat(r.target().sha256()).isEqualTo(broken.sha256());
        assertThat(r.quarantined()).extracting(HostReport.Quarantined::etag).containsExactly(broken.etag());

        host.clock().advance(Duration.ofMinutes(2));
        reporter.afterPoll(follower.pollOnce());
        assertThat(report().state()).as("the remote's release failed here").isEqualTo(HostStatus.State.QUARANTINED);
        assertThat(report().reportedAt()).isEqualTo(host.clock().instant());
    }

    @Test
    void aRestartedDaemonDoesNotRewriteAnUnchangedReport() throws IOException {
        host.publish();
        reporter(Duration.ofHours(3)).afterPoll(host.follower().pollOnce());
        Instant written = report().reportedAt();

        host.clock().advance(Duration.ofMinutes(5));
        Reporter restarted = reporter(Duration.ofHours(3));
        restarted.afterPoll(host.follower().pollOnce());

        assertThat(report().reportedAt()).isEqualTo(written);
    }

    @Test
    void activatingIsReportedBeforeTheRebuildRuns() throws IOException {
        host.publish();
        Reporter reporter = reporter(Duration.ofHours(3));
        Follower follower = host.follower();
        HostStatus.State[] during = {null};
        follower.onPhase(p -> {
            if (p == Follower.Phase.ACTIVATING) {
                reporter.activating();
                try {
                    during[0] = report().state();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        });

        reporter.afterPoll(follower.pollOnce());

        assertThat(during[0]).isEqualTo(HostStatus.State.ACTIVATING);
        assertThat(report().state()).isEqualTo(HostStatus.State.IN_SYNC);
    }

    @Test
    void aHostThatCannotWriteItsReportPollsAsBeforeAndWritesItLater() throws IOException {
        host.publish();
        Path folder = Path.of(host.remote().path() + ".hosts");
        Files.writeString(folder, "a file where the folder of reports should be");
        Reporter reporter = reporter(Duration.ofHours(3));

        PollOutcome outcome = host.follower().pollOnce();
        reporter.afterPoll(outcome);

        assertThat(outcome).isInstanceOf(PollOutcome.Activated.class);
        assertThat(reporter.failing()).isTrue();
        assertThat(host.dataDir().loadLastReport()).isEmpty();

        Files.delete(folder);
        host.clock().advance(Duration.ofMinutes(2));
        reporter.afterPoll(host.follower().pollOnce());
        assertThat(reporter.failing()).isFalse();
        assertThat(report().state()).isEqualTo(HostStatus.State.IN_SYNC);
    }

    @Test
    void aReadOnlyStoreGetsNoReportAndNothingFails() {
        RemoteUri https = RemoteUri.parse("https://127.0.0.1:9/prod.npcnix");
        host.dataDir().storeSettings(host.dataDir().loadSettings().withRemote(https));
        Reporter reporter = reporter(Duration.ofHours(3));

        reporter.afterPoll(new PollOutcome.Unchanged(new dev.npcnix.store.Etag("abc")));

        assertThat(reporter.failing()).isFalse();
        assertThat(host.dataDir().loadLastReport()).isEmpty();
    }

    @Test
    void aLongMessageIsCutAndTheReportStaysSmall() {
        String message = "x".repeat(2000) + "ü".repeat(500);
        HostReport.LastPoll poll = new HostReport.LastPoll("failed", ErrorClass.TRANSIENT, message);
        assertThat(poll.message().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(HostReport.MAX_MESSAGE_BYTES);
        assertThat(poll.message()).endsWith("...");
    }
}
