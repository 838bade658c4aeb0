package dev.npcnix.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.npcnix.testing.http.HttpFileServer;
import dev.npcnix.testing.http.Traffic;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract against a static file server. HTTP is read-only, so the tests publish through the
 * file store into the served directory, as an operator's rsync or CI job would.
 */
class HttpStoreTest extends RemoteStoreContract {
    @TempDir
    Path served;

    private HttpFileServer server;
    private RemoteStores stores;

    @BeforeEach
    void start() throws IOException {
        server = HttpFileServer.start(served);
        stores = new RemoteStores(settings(Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        stores.close();
        server.close();
    }

    private static StoreSettings settings(Duration readTimeout) {
        return StoreSettings.of(Map.of(), Optional.empty(), Optional.empty())
                .withTimeouts(Duration.ofSeconds(2), readTimeout);
    }

    @Override
    protected RemoteStore store() {
        return stores.forRemote(new RemoteUri(server.uri()));
    }

    @Override
    protected RemoteUri newRemote() {
        return new RemoteUri(server.uri("remotes/" + UUID.randomUUID() + ".npcnix"));
    }

    @Override
    protected RemoteObject publish(RemoteUri remote, Path archive, RemoteStore.TransferListener listener) {
        RemoteUri file = RemoteUri.of(served.resolve(remote.uri().getPath().substring(1)));
        RemoteObject published = stores.forRemote(file).publish(file, archive, listener);
        return new RemoteObject(remote, published.etag(), published.size(), published.lastModified());
    }

    @Override
    protected Optional<TrafficMeter> meter() {
        return Optional.of(new TrafficMeter() {
            @Override
            public Traffic traffic() {
                return server.traffic();
            }

            @Override
            public void reset() {
                server.resetTraffic();
            }
        });
    }

    @Test
    void publishingIsUnsupported() {
        RemoteUri remote = newRemote();

        assertThatThrownBy(() -> store().publish(remote, write(randomBytes(10))))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.UNSUPPORTED);
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.getMessage()).isEqualTo("remote " + remote + ": read-only store (publish to s3:// or file://)");
                });
    }

    @Test
    void statusesMapToReasons() {
        RemoteUri remote = newRemote();
        publish(remote, randomBytes(10));
        Map<Integer, StoreException.Reason> expected = Map.of(
                500, StoreException.Reason.SERVER_ERROR,
                503, StoreException.Reason.SERVER_ERROR,
                403, StoreException.Reason.ACCESS_DENIED,
                401, StoreException.Reason.ACCESS_DENIED,
                410, StoreException.Reason.NOT_FOUND,
                418, StoreException.Reason.OTHER);

        expected.forEach((status, reason) -> {
            server.respondWithStatus(status);
            assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                    .as("HTTP %d", status)
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(reason);
                        assertThat(e.getMessage()).startsWith("remote " + remote + ": ").contains(String.valueOf(status));
                    });
        });
        server.respondWithStatus(500);
        assertThatThrownBy(() -> store().head(remote)).hasMessage("remote " + remote + ": server error (HTTP 500)");
    }

    @Test
    void aClosedPortIsUnreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RemoteUri remote = RemoteUri.parse("http://127.0.0.1:" + port + "/prod.npcnix");

        assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                .isInstanceOfSatisfying(StoreException.class, e -> {
                    assertThat(e.reason()).isEqualTo(StoreException.Reason.UNREACHABLE);
                    assertThat(e.getMessage()).startsWith("remote " + remote + ": cannot connect to 127.0.0.1:" + port);
                });
    }

    @Test
    void withoutEtagsLastModifiedMakesASyntheticTagPolledWithIfModifiedSince() {
        server.sendEtags(false);
        RemoteUri remote = newRemote();
        byte[] bytes = randomBytes(4000);
        publish(remote, bytes);

        FetchResult first = store().fetch(remote, Optional.empty());
        Etag synthetic = ((FetchResult.Download) first).etag();
        assertThat(readAll(first)).isEqualTo(bytes);
        assertThat(synthetic.value()).matches("lm-\\d+-4000");
        server.resetTraffic();

        assertThat(store().fetch(remote, Optional.of(synthetic))).isEqualTo(new FetchResult.Unchanged(synthetic));
        assertThat(server.traffic().requestCount()).isEqualTo(1);
        assertThat(server.traffic().responseBodyBytes()).isZero();
        assertThat(store().head(remote)).hasValueSatisfying(o -> assertThat(o.etag()).isEqualTo(synthetic));
    }

    @Test
    void aServerIgnoringIfNoneMatchStillGivesUnchangedForTheSameEtag() throws IOException {
        String body = "x".repeat(100);
        try (CannedHttpServer canned = new CannedHttpServer("HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 100\r\n"
                + "Connection: close\r\n\r\n" + body, false)) {
            RemoteUri remote = new RemoteUri(canned.uri("/prod.npcnix"));

            assertThat(store().fetch(remote, Optional.of(new Etag("abc")))).isEqualTo(new FetchResult.Unchanged(new Etag("abc")));
            assertThat(canned.requests()).singleElement().asString().contains("If-None-Match: \"abc\"");
        }
    }

    @Test
    void aBodyCutShortFailsInsteadOfEndingEarly() throws IOException {
        try (CannedHttpServer canned = new CannedHttpServer("HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 1000\r\n\r\n"
                + "only-a-few-bytes", false)) {
            RemoteUri remote = new RemoteUri(canned.uri("/prod.npcnix"));
            FetchResult result = store().fetch(remote, Optional.empty());

            assertThatThrownBy(() -> readAll(result))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isIn(StoreException.Reason.CORRUPT, StoreException.Reason.UNREACHABLE);
                        assertThat(e.getMessage()).startsWith("remote " + remote + ": ");
                    });
        }
    }

    @Test
    void aStalledBodyTimesOut() throws IOException {
        try (CannedHttpServer canned = new CannedHttpServer("HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 1000\r\n\r\n"
                + "only-a-few-bytes", true);
                RemoteStores quick = new RemoteStores(settings(Duration.ofMillis(300)))) {
            RemoteUri remote = new RemoteUri(canned.uri("/prod.npcnix"));
            FetchResult result = quick.forRemote(remote).fetch(remote, Optional.empty());
            long start = System.nanoTime();

            assertThatThrownBy(() -> readAll(result))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(StoreException.Reason.UNREACHABLE);
                        assertThat(e.getMessage()).endsWith(": no data for 300 ms (read timeout)");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aServerThatNeverAcceptsTheConnectionIsAConnectTimeoutNamedAsSuch() throws IOException {
        // a listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RemoteStores quick = new RemoteStores(StoreSettings.of(Map.of(), Optional.empty(), Optional.empty())
                        .withTimeouts(Duration.ofMillis(300), Duration.ofSeconds(30)))) {
            java.util.List<java.net.Socket> queued = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                        queued.add(s);
                    } catch (java.net.SocketTimeoutException filled) {
                        s.close();
                        break;
                    }
                }
                RemoteUri remote = new RemoteUri(java.net.URI.create("http://127.0.0.1:" + full.getLocalPort() + "/prod.npcnix"));
                assertThatThrownBy(() -> quick.forRemote(remote).fetch(remote, Optional.empty()))
                        .isInstanceOfSatisfying(StoreException.class, e -> {
                            assertThat(e.reason()).isEqualTo(StoreException.Reason.UNREACHABLE);
                            assertThat(e.getMessage()).isEqualTo("remote " + remote + ": no answer from 127.0.0.1:" + full.getLocalPort()
                                    + ": no connection within 300 ms (connect timeout)");
                        });
            } finally {
                for (java.net.Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aServerWithNeitherEtagNorLastModifiedCannotBeFollowed() throws IOException {
        try (CannedHttpServer canned = new CannedHttpServer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", false)) {
            RemoteUri remote = new RemoteUri(canned.uri("/prod.npcnix"));

            assertThatThrownBy(() -> store().fetch(remote, Optional.empty()))
                    .hasMessage("remote " + remote + ": the server sends neither ETag nor Last-Modified, so changes cannot be detected");
        }
    }

    @Test
    void aRedirectIsFollowedToTheRelease() throws IOException {
        RemoteUri target = newRemote();
        byte[] bytes = randomBytes(500);
        publish(target, bytes);
        try (CannedHttpServer moved = new CannedHttpServer("HTTP/1.1 302 Found\r\nLocation: " + target.uri()
                + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false)) {
            RemoteUri remote = new RemoteUri(moved.uri("/prod.npcnix"));
            FetchResult result = store().fetch(remote, Optional.empty());
            assertThat(readAll(result)).isEqualTo(bytes);
        }
    }
}
