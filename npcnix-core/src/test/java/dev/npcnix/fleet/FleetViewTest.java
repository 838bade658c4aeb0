package dev.npcnix.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.ConfigurationName;
import dev.npcnix.activate.Activator;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.status.HostStatus;
import dev.npcnix.store.Etag;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.TestClock;
import dev.npcnix.testing.http.FaultyHttpProxy;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hosts reporting to an S3 remote (the in-JVM server) and the fleet view reading them back. */
class FleetViewTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();
    private static final String BUCKET = "fleet";
    private static final ConfigurationName WEB = ConfigurationName.of("web");
    private static final Activator NO_OP = request -> { };

    @TempDir
    Path tmp;

    private final TestClock clock = TestClock.at("2026-03-01T12:00:00Z");
    private RemoteStores stores;
    private RemoteUri remote;

    @BeforeAll
    static void bucket() {
        S3.server().createBucket(BUCKET);
    }

    @BeforeEach
    void open() {
        stores = new RemoteStores(settings(S3.server().endpoint()));
        remote = RemoteUri.parse("s3://" + BUCKET + "/remotes/" + UUID.randomUUID() + ".npcnix");
    }

    @AfterEach
    void close() {
        stores.close();
    }

    private static StoreSettings settings(URI endpoint) {
        return StoreSettings.of(Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY),
                Optional.of(S3Server.REGION), Optional.of(endpoint.toString()));
    }

    private RemoteObject publish(String version) throws Exception {
        Path flake = Fixtures.webFlake(tmp.resolve("flake-" + version));
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + version + "\"; }\n");
        Path archive = tmp.resolve(version + ".npcnix");
        try (OutputStream out = Files.newOutputStream(archive)) {
            dev.npcnix.archive.FlakeArchive.pack(flake, out, dev.npcnix.archive.PackOptions.defaults());
        }
        return stores.forRemote(remote).publish(remote, archive);
    }

    private record Host(Follower follower, Reporter reporter) {
        PollOutcome poll() {
            PollOutcome o = follower.pollOnce();
            reporter.afterPoll(o);
            return o;
        }
    }

    private Host host(String name, RemoteStores reportStores) {
        DataDir dir = DataDir.open(tmp.resolve("host-" + name));
        dir.storeSettings(Settings.empty().withRemote(remote).withConfiguration(WEB));
        return new Host(new Follower(dir, stores, NO_OP, clock, FollowOptions.defaults()),
                new Reporter(dir, reportStores, new HostId(name), clock, Duration.ofHours(3), "test", Map.of()));
    }

    @Test
    void theViewShowsEachHostAgainstTheRemotesCurrentRelease() throws Exception {
        publish("v1");
        Host web1 = host("web-1", stores);
        Host web2 = host("web-2", stores);
        Host gone = host("web-3", stores);
        web1.poll();
        web2.poll();
        gone.poll();
        clock.advance(Duration.ofHours(5)); // web-3 stops here
        web1.poll();
        web2.poll();
        RemoteObject v2 = publish("v2");
        web1.poll();

        FleetView.Snapshot view = FleetView.read(stores.forRemote(remote), remote, clock);

        assertThat(view.current()).map(RemoteObject::etag).contains(v2.etag());
        assertThat(view.rows()).extracting(r -> r.hostId().value() + " " + r.state().label())
                .containsExactly("web-1 in sync", "web-2 behind", "web-3 silent");
        assertThat(view.anyFailure()).isTrue();
        assertThat(view.converged()).isFalse();
        assertThat(view.counts()).containsEntry(HostStatus.State.IN_SYNC, 1).containsEntry(HostStatus.State.BEHIND, 1)
                .containsEntry(HostStatus.State.SILENT, 1).containsEntry(HostStatus.State.FAILING, 0);
    }

    @Test
    void aReportThatIsNotOneShowsAsASilentHostSayingWhy() throws Exception {
        publish("v1");
        host("web-1", stores).poll();
        S3.server().putObject(BUCKET, remote.key() + ".hosts/web-9.json", "{not json".getBytes());

        FleetView.Snapshot view = FleetView.read(stores.forRemote(remote), remote, clock);

        assertThat(view.rows()).hasSize(2);
        FleetView.Row broken = view.rows().get(1);
        assertThat(broken.hostId().value()).isEqualTo("web-9");
        assertThat(broken.state()).isEqualTo(HostStatus.State.SILENT);
        assertThat(broken.problem()).startsWith("report " + remote.sibling(".hosts/web-9.json") + " is not a report");
    }

    @Test
    void aThousandAndMoreReportsAreAllRead() throws Exception {
        Etag current = publish("v1").etag();
        Instant now = clock.instant();
        for (int i = 0; i < 1030; i++) {
            HostReport r = new HostReport(new HostId(String.format("host-%04d", i)), remote, WEB, HostStatus.State.IN_SYNC,
                    new HostReport.Applied(new HostReport.ReleaseRef(current, null, 0), WEB, now), null, null, null, List.of(),
                    false, null, null, "test", Duration.ofHours(3), now);
            S3.server().putObject(BUCKET, remote.key() + ".hosts/" + r.hostId() + ".json", HostReportJson.write(r));
        }

        FleetView.Snapshot view = FleetView.read(stores.forRemote(remote), remote, clock);

        assertThat(view.rows()).hasSize(1030);
        assertThat(view.converged()).isTrue();
        assertThat(view.rows().get(1029).hostId().value()).isEqualTo("host-1029");
    }

    @Test
    void aReportTheStoreRefusesOrFailsLeavesThePollAloneAndIsWrittenLater() throws Exception {
        publish("v1");
        for (FaultyHttpProxy.Fault fault : List.of(FaultyHttpProxy.Fault.FORBIDDEN_403, FaultyHttpProxy.Fault.ERROR_500)) {
            try (FaultyHttpProxy proxy = FaultyHttpProxy.start(S3.server().endpoint());
                    RemoteStores faulty = new RemoteStores(settings(proxy.uri()))) {
                Host h = host("web-" + fault.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), faulty);
                proxy.inject(fault);

                PollOutcome first = h.poll();

                assertThat(first).as(fault.name()).isInstanceOf(PollOutcome.Activated.class);
                assertThat(h.reporter().failing()).isTrue();
                assertThat(stores.forRemote(remote).read(h.reporter().reportOf(remote), 65536)).isEmpty();

                proxy.heal();
                clock.advance(Duration.ofMinutes(2));
                assertThat(h.poll()).isInstanceOf(PollOutcome.Unchanged.class);
                assertThat(h.reporter().failing()).isFalse();
                assertThat(stores.forRemote(remote).read(h.reporter().reportOf(remote), 65536)).isPresent();
            }
        }
    }
}
