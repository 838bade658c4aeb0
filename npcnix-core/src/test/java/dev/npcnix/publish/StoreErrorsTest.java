package dev.npcnix.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.archive.PackOptions;
import dev.npcnix.store.FetchResult;
import dev.npcnix.store.RemoteStore;
import dev.npcnix.store.RemoteStores;
import dev.npcnix.store.RemoteUri;
import dev.npcnix.store.StoreException;
import dev.npcnix.store.StoreSettings;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.http.FaultyHttpProxy;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Store failures named by their real cause, on the publishing side and for any store (issue 10). */
class StoreErrorsTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();
    private static final String BUCKET = "npcnix-errors";

    @TempDir
    Path tmp;

    @BeforeAll
    static void createBucket() {
        S3.server().createBucket(BUCKET);
    }

    private static StoreSettings s3(URI endpoint, String secret) {
        return StoreSettings.of(Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", secret),
                Optional.of(S3Server.REGION), Optional.of(endpoint.toString())).withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private static RemoteUri newRemote() {
        return RemoteUri.parse("s3://" + BUCKET + "/remotes/" + UUID.randomUUID() + ".npcnix");
    }

    private PublishResult publish(RemoteStores stores, RemoteUri remote) {
        Path flake = Files.exists(tmp.resolve("flake")) ? tmp.resolve("flake") : Fixtures.webFlake(tmp.resolve("flake"));
        return new Publisher(stores, tmp.resolve("staging")).publish(flake, remote, PackOptions.defaults(),
                RemoteStore.TransferListener.NONE);
    }

    @Test
    void publishWithAWrongSecretGivesTheHintPullGives() {
        RemoteUri remote = newRemote();
        try (RemoteStores good = new RemoteStores(s3(S3.server().endpoint(), S3Server.SECRET_KEY))) {
            publish(good, remote);
        }
        try (RemoteStores wrong = new RemoteStores(s3(S3.server().endpoint(), "not-the-secret"))) {
            String hint = "request signature rejected, check the secret key";
            assertThatThrownBy(() -> wrong.forRemote(remote).fetch(remote, Optional.empty()))
                    .isInstanceOf(StoreException.class).hasMessageContaining(hint);
            assertThatThrownBy(() -> publish(wrong, remote))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.ACCESS_DENIED))
                    .hasMessageContaining("access denied (s3:PutObject)").hasMessageContaining(hint);
        }
    }

    @Test
    void theFirstPublishToANewKeyNeedsNoListBucket() throws Exception {
        RemoteUri remote = newRemote();
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(S3.server().endpoint());
                RemoteStores stores = new RemoteStores(s3(proxy.uri(), S3Server.SECRET_KEY))) {
            proxy.inject(FaultyHttpProxy.Fault.FORBIDDEN_403_ON_HEAD); // S3, to a caller without s3:ListBucket
            PublishResult first = publish(stores, remote);
            assertThat(first.unchanged()).isFalse();
            PublishResult again = publish(stores, remote);
            assertThat(again.unchanged()).as("the unchanged check cannot tell, so it uploads").isFalse();
            assertThat(again.etag()).isEqualTo(first.etag());
            assertThat(proxy.faultedRequests()).as("HEADs answered 403").isEqualTo(2);
            try (FetchResult.Download d = (FetchResult.Download) stores.forRemote(remote).fetch(remote, Optional.empty())) {
                assertThat(d.etag()).isEqualTo(first.etag());
            }
        }
    }

    @Test
    void publishingToAnHttpRemoteIsRefusedBeforeAnyRequest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                RemoteStores stores = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()))) {
            RemoteUri remote = RemoteUri.parse("http://127.0.0.1:" + server.getLocalPort() + "/prod.npcnix");
            assertThatThrownBy(() -> publish(stores, remote))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNSUPPORTED))
                    .hasMessage("remote " + remote + ": read-only store (publish to s3:// or file://)");
            server.setSoTimeout(300);
            assertThatThrownBy(server::accept).as("no connection was made").isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void aHostNameThatDoesNotResolveIsNamedAsSuch() {
        // .invalid never resolves (RFC 6761)
        RemoteUri http = RemoteUri.parse("https://npcnix-test.invalid/prod.npcnix");
        RemoteUri s3 = RemoteUri.parse("s3://" + BUCKET + "/prod.npcnix");
        try (RemoteStores plain = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty()));
                RemoteStores viaEndpoint = new RemoteStores(s3(URI.create("http://npcnix-test.invalid:9000"), S3Server.SECRET_KEY))) {
            assertThatThrownBy(() -> plain.forRemote(http).fetch(http, Optional.empty()))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNREACHABLE))
                    .hasMessage("remote " + http + ": cannot reach npcnix-test.invalid: the host name does not resolve (DNS)");
            assertThatThrownBy(() -> viaEndpoint.forRemote(s3).fetch(s3, Optional.empty()))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.UNREACHABLE))
                    .hasMessage("remote " + s3 + ": cannot reach npcnix-test.invalid:9000: the host name does not resolve (DNS)");
        }
    }
}
