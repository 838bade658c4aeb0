package dev.npcnix.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.InvalidInputException;
import dev.npcnix.archive.PackOptions;
import dev.npcnix.follow.FollowOptions;
import dev.npcnix.follow.Follower;
import dev.npcnix.follow.PollOutcome;
import dev.npcnix.sign.ManifestVerifier;
import dev.npcnix.sign.NixKeys;
import dev.npcnix.state.DataDir;
import dev.npcnix.state.Settings;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteObject;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import dev.npcnix.testing.host.HostFixture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** publish keeps what it replaces; releases and rollback round trips, on a file store and on S3. */
class ReleaseHistoryTest {
    @RegisterExtension
    final HostFixture host = new HostFixture();
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    @BeforeAll
    static void bucket() {
        S3.server().createBucket("history");
    }

    private ReleaseHistory.Policy policy(int keep) {
        return new ReleaseHistory.Policy(keep, host.clock(), "ci@example");
    }

    private PublishResult publish(RemoteStores stores, RemoteUri remote, String version, int keep, Optional<Signing> signing) throws IOException {
        Files.writeString(host.flake().resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + version + "\"; }\n");
        host.clock().advance(Duration.ofMinutes(1));
        return new Publisher(stores, host.tmp().resolve("publish-tmp"), Optional.of(policy(keep)))
                .publish(host.flake(), remote, PackOptions.defaults(), signing, RemoteStore.TransferListener.NONE);
    }

    private static byte[] current(RemoteStores stores, RemoteUri remote) throws IOException {
        try (FetchResult.Download d = (FetchResult.Download) stores.forRemote(remote).fetch(remote, Optional.empty());
                InputStream in = d.body()) {
            return in.readAllBytes();
        }
    }

    private void roundTrip(RemoteStores stores, RemoteUri remote) throws IOException {
        PublishResult v1 = publish(stores, remote, "v1", 10, Optional.empty());
        byte[] v1Bytes = current(stores, remote);
        PublishResult v2 = publish(stores, remote, "v2", 10, Optional.empty());
        PublishResult v3 = publish(stores, remote, "v3", 10, Optional.empty());
        RemoteStore store = stores.forRemote(remote);

        ReleaseIndex index = ReleaseHistory.read(store, remote);
        assertThat(index.releases()).extracting(ReleaseIndex.Entry::sequence).containsExactly(1L, 2L, 3L);
        assertThat(index.releases()).extracting(ReleaseIndex.Entry::sha256).containsExactly(v1.sha256(), v2.sha256(), v3.sha256());
        assertThat(index.releases()).extracting(ReleaseIndex.Entry::key).containsExactly(
                "1-" + v1.sha256().substring(0, 12) + ".npcnix", "2-" + v2.sha256().substring(0, 12) + ".npcnix", null);
        assertThat(index.releases().get(0).publisher()).isEqualTo("ci@example");

        PublishResult back = Rollback.to(stores, remote, "1", Optional.empty(), host.tmp().resolve("rb"), policy(10));

        assertThat(current(stores, remote)).as("the bytes of release 1").isEqualTo(v1Bytes);
        assertThat(back.etag()).isEqualTo(v1.etag());
        assertThat(back.sha256()).isEqualTo(v1.sha256());
        ReleaseIndex after = ReleaseHistory.read(store, remote);
        assertThat(after.releases()).extracting(ReleaseIndex.Entry::sequence).containsExactly(1L, 2L, 3L, 4L);
        assertThat(after.releases().get(3).rollbackOf()).isEqualTo(1);
        assertThat(after.releases().get(2).key()).as("the release rolled back from is kept").isNotNull();

        publish(stores, remote, "v5", 10, Optional.empty());
        assertThat(ReleaseHistory.read(store, remote).releases().get(3).key())
                .as("a rollback's bytes are kept once").isEqualTo(after.releases().get(0).key());
        assertThat(Rollback.to(stores, remote, v3.sha256().substring(0, 9), Optional.empty(), host.tmp().resolve("rb"), policy(10))
                .sha256()).isEqualTo(v3.sha256());
    }

    @Test
    void publishKeepsWhatItReplacesAndRollbackPutsItBackOnAFileStore() throws IOException {
        roundTrip(host.stores(), host.remote());
    }

    @Test
    void theSameOnS3() throws IOException {
        try (RemoteStores stores = new RemoteStores(StoreSettings.of(
                Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY),
                Optional.of(S3Server.REGION), Optional.of(S3.server().endpoint().toString())))) {
            roundTrip(stores, RemoteUri.parse("s3://history/remotes/" + UUID.randomUUID() + ".npcnix"));
        }
    }

    @Test
    void keepRemovesTheOldestKeptReleases() throws IOException {
        for (int v = 1; v <= 5; v++) {
            publish(host.stores(), host.remote(), "v" + v, 2, Optional.empty());
        }
        ReleaseIndex index = ReleaseHistory.read(host.stores().forRemote(host.remote()), host.remote());

        assertThat(index.releases()).extracting(ReleaseIndex.Entry::sequence).containsExactly(3L, 4L, 5L);
        Path folder = Path.of(host.remote().path() + ".releases");
        try (var files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npcnix")).sorted())
                    .containsExactly(index.releases().get(0).key(), index.releases().get(1).key());
        }
        assertThatThrownBy(() -> Rollback.to(host.stores(), host.remote(), "1", Optional.empty(), host.tmp(), policy(2)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no such release");
    }

    @Test
    void aReleasePublishedWithoutHistoryIsKeptWhenReplaced() throws IOException {
        PublishResult old = publish(host.stores(), host.remote(), "v1", 0, Optional.empty());
        assertThat(Files.exists(Path.of(host.remote().path() + ".releases"))).as("--keep 0: no history").isFalse();

        publish(host.stores(), host.remote(), "v2", 10, Optional.empty());

        ReleaseIndex index = ReleaseHistory.read(host.stores().forRemote(host.remote()), host.remote());
        assertThat(index.releases()).hasSize(2);
        assertThat(index.releases().get(0).sha256()).isEqualTo(old.sha256());
        assertThat(index.releases().get(0).key()).isNotNull();
    }

    @Test
    void concurrentPublishersLoseNoEntry() throws IOException {
        publish(host.stores(), host.remote(), "v1", 10, Optional.empty());
        RemoteStore real = host.stores().forRemote(host.remote());
        RemoteUri indexObject = host.remote().sibling(ReleaseHistory.INDEX);
        // Another publisher writes the index between this one's read and write, once.
        RemoteStore racing = new RacingStore(real, indexObject);
        ReleaseHistory history = new ReleaseHistory(racing, host.remote());

        ReleaseIndex.Entry recorded = history.record(Optional.empty(), new ReleaseIndex.Entry(0, "a".repeat(64),
                new dev.npcnix.store.Etag("etag-a"), 1, host.clock().instant(), "me", false, null, 0), 10);

        ReleaseIndex index = ReleaseHistory.read(real, host.remote());
        assertThat(index.releases()).extracting(ReleaseIndex.Entry::sha256).contains("b".repeat(64), "a".repeat(64));
        assertThat(recorded.sequence()).isEqualTo(3);
    }

    /** The real store, but the first conditional write of the index is preceded by another publisher's. */
    private final class RacingStore implements RemoteStore {
        private final RemoteStore real;
        private final RemoteUri index;
        private boolean raced;

        RacingStore(RemoteStore real, RemoteUri index) {
            this.real = real;
            this.index = index;
        }

        @Override
        public RemoteObject write(RemoteUri object, byte[] content, String contentType, Condition condition) {
            if (object.equals(index) && !raced) {
                raced = true;
                ReleaseIndex theirs = ReleaseHistory.read(real, host.remote()).with(new ReleaseIndex.Entry(2, "b".repeat(64),
                        new dev.npcnix.store.Etag("etag-b"), 1, host.clock().instant(), "other", false, null, 0));
                real.write(index, theirs.toJson(host.remote().toString()), contentType, Condition.NONE);
            }
            return real.write(object, content, contentType, condition);
        }

        @Override
        public FetchResult fetch(RemoteUri remote, Optional<dev.npcnix.store.Etag> ifNoneMatch) {
            return real.fetch(remote, ifNoneMatch);
        }

        @Override
        public Optional<RemoteObject> head(RemoteUri remote) {
            return real.head(remote);
        }

        @Override
        public RemoteObject publish(RemoteUri remote, Path archive, TransferListener listener) {
            return real.publish(remote, archive, listener);
        }

        @Override
        public Optional<Stored> read(RemoteUri object, int maxBytes) {
            return real.read(object, maxBytes);
        }

        @Override
        public List<Listed> list(RemoteUri remote, String folder) {
            return real.list(remote, folder);
        }

        @Override
        public void delete(RemoteUri object) {
            real.delete(object);
        }

        @Override
        public RemoteObject copy(RemoteUri from, RemoteUri to, dev.npcnix.store.Etag ifMatch) {
            return real.copy(from, to, ifMatch);
        }
    }

    @Test
    void aFleetWithTrustedKeysFollowsARollbackOfASignedRemote() throws IOException {
        NixKeys.SecretKey key = NixKeys.generate("ci-1");
        Signing signing = new Signing(key, "ci@example", Optional.empty(), host.clock());
        List<DataDir> fleet = List.of(DataDir.open(host.tmp().resolve("host-a")), DataDir.open(host.tmp().resolve("host-b")));
        FollowOptions verified = FollowOptions.defaults().withVerifier(ManifestVerifier.forKeys(List.of(key.publicKeyText())));
        for (DataDir dir : fleet) {
            dir.storeSettings(Settings.empty().withRemote(host.remote()).withConfiguration(HostFixture.WEB)
                    .withTrustedPublicKeys(List.of(key.publicKeyText())));
        }
        PublishResult good = publish(host.stores(), host.remote(), "good", 10, Optional.of(signing));
        for (DataDir dir : fleet) {
            assertThat(host.follower(dir, verified).pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        }
        publish(host.stores(), host.remote(), "bad", 10, Optional.of(signing));
        for (DataDir dir : fleet) {
            assertThat(host.follower(dir, verified).pollOnce()).isInstanceOf(PollOutcome.Activated.class);
        }
        long goodSequence = ReleaseHistory.read(host.stores().forRemote(host.remote()), host.remote()).releases().get(0).sequence();

        assertThatThrownBy(() -> Rollback.to(host.stores(), host.remote(), Long.toString(goodSequence), Optional.empty(),
                host.tmp(), policy(10))).isInstanceOf(InvalidInputException.class).hasMessageContaining("give --sign-key");
        host.clock().advance(Duration.ofMinutes(1));
        PublishResult back = Rollback.to(host.stores(), host.remote(), Long.toString(goodSequence), Optional.of(signing),
                host.tmp().resolve("rb"), policy(10));

        assertThat(back.sha256()).as("a new manifest, so new bytes").isNotEqualTo(good.sha256());
        ReleaseIndex index = ReleaseHistory.read(host.stores().forRemote(host.remote()), host.remote());
        ReleaseIndex.Entry rolledBack = index.releases().get(index.releases().size() - 1);
        assertThat(rolledBack.signed()).isTrue();
        assertThat(rolledBack.rollbackOf()).isEqualTo(goodSequence);
        assertThat(rolledBack.sequence()).isGreaterThan(index.releases().get(1).sequence());
        for (DataDir dir : fleet) {
            Follower follower = host.follower(dir, verified);
            assertThat(follower.pollOnce()).as("a host that applied the later release").isInstanceOf(PollOutcome.Activated.class);
            assertThat(dir.loadState().highestSequence()).isEqualTo(rolledBack.sequence());
            assertThat(dir.loadSettings().lastEtag()).contains(back.etag());
        }
        assertThat(Files.readString(host.rebuild().invocations().get(host.rebuild().invocations().size() - 1).tree()
                .resolve("hosts/web.nix"))).contains("\"good\"");
    }
}
