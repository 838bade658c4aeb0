package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.state.HostState;
import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.http.FaultyHttpProxy;
import dev.npcnix.testing.http.FaultyHttpProxy.Fault;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Store faults between a following host and its S3 store, injected by a proxy in front of the in-JVM S3
 * server: refused connections, 500, 503 SlowDown, 403, 404, a stalled response, a body that stalls or a
 * connection reset in the middle, corrupted body bytes, a redirect to another host. For each, the daemon's polls
 * fail as transient (nothing activated, nothing quarantined, the applied release stays recorded), it
 * keeps running with growing backoff, and it converges to the new release once the store is healthy.
 */
class StoreFaultTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    /** Polls that fail under the fault before the proxy heals. */
    private static final int FAILING_POLLS = 3;
    private static final long MIN_SLEEP_SECS = 5;

    private static final AtomicInteger INJECTED = new AtomicInteger();
    private static final AtomicInteger SURVIVED = new AtomicInteger();
    private static final AtomicInteger FAULTED_REQUESTS = new AtomicInteger();

    @TempDir
    Path tmp;

    private final CliRunner host = new CliRunner();
    private final CliRunner publisher = new CliRunner();
    private FaultyHttpProxy proxy;
    private FakeNixosRebuild rebuild;
    private Path flake;
    private Path data;
    private String remote;

    @BeforeEach
    void setUp() throws IOException {
        S3Server server = S3.server();
        server.setDown(false);
        String bucket = "faults-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        remote = "s3://" + bucket + "/npcnix/remotes/prod.npcnix";
        proxy = FaultyHttpProxy.start(server.endpoint());
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        Map<String, String> aws = Map.of(
                "AWS_ACCESS_KEY_ID", server.accessKey(),
                "AWS_SECRET_ACCESS_KEY", server.secretKey(),
                "AWS_REGION", server.region());
        publisher.env(aws).env(Map.of("AWS_ENDPOINT_URL_S3", server.endpoint().toString()));
        host.env(rebuild.env()).env(aws).env(Map.of("AWS_ENDPOINT_URL_S3", proxy.uri().toString()));
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data");
    }

    @AfterEach
    void tearDown() {
        proxy.close();
    }

    @AfterAll
    static void figures() {
        int injected = INJECTED.get();
        int survived = SURVIVED.get();
        HostFiles.figure("store faults: " + injected + " injected / " + survived + " survived, "
                + (injected - survived) + " lost (" + FAULTED_REQUESTS.get() + " faulted requests)");
    }

    private String publish(String marker) throws IOException {
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + marker + "\"; }\n");
        return HostFiles.publishedEtag(publisher.run("publish", "--src", flake.toString(), "--remote", remote));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Fault.class, names = {"NONE", "FORBIDDEN_403_ON_HEAD"}, mode = EnumSource.Mode.EXCLUDE)
    void theDaemonRidesOutTheFaultAndConvergesWhenTheStoreHeals(Fault fault) throws Exception {
        INJECTED.incrementAndGet();
        String v1 = publish("v1");
        CliRunner.Result first = host.run("--data-dir", data.toString(), "follow", "--once", "--remote", remote,
                "--configuration", "web");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(HostFiles.appliedEtag(data)).isEqualTo(v1);
        String v2 = publish("v2");

        if (fault == Fault.STALL || fault == Fault.STALL_MID_BODY) {
            // a stalled store must fail the poll after the read timeout (the SDK tries 3 times per poll)
            host.env(Map.of(StoreOptions.READ_TIMEOUT_ENV, "PT0.5S"));
        }
        Bait bait = Bait.start();
        proxy.redirectTo(bait.uri());
        proxy.inject(fault);
        List<Duration> sleeps = new ArrayList<>();
        host.sleeper = d -> {
            host.clock.advance(d);
            sleeps.add(d);
            if (sleeps.size() <= FAILING_POLLS) {
                // while the store fails: nothing activated, nothing quarantined, v1 still recorded as applied
                assertThat(rebuild.invocations()).as("activations during %s", fault).hasSize(1);
                assertThat(HostFiles.appliedEtag(data)).isEqualTo(v1);
                assertThat(HostFiles.state(data).quarantined()).isEmpty();
                assertThat(HostFiles.list(data.resolve("tmp"))).as("tmp/ after a failed poll").isEmpty();
            }
            if (sleeps.size() == FAILING_POLLS) {
                try {
                    proxy.heal();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        long mark = HostFiles.logMark();
        // --once=activate, as the systemd unit runs it: every failure is waited out until the activation
        CliRunner.Result r = host.run("--data-dir", data.toString(), "-v", "follow", "--once=activate");
        String log = HostFiles.logSince(mark);
        bait.close();

        assertThat(r.code()).as("%s: %s%n%s", fault, r.err(), log).isZero();
        assertThat(sleeps).as("polls failed under %s", fault).hasSizeGreaterThanOrEqualTo(FAILING_POLLS);
        for (int i = 0; i < FAILING_POLLS; i++) {
            assertThat(sleeps.get(i).toMillis()).as("backoff #%d under %s: %s", i + 1, fault, sleeps)
                    .isGreaterThanOrEqualTo(MIN_SLEEP_SECS * 1000 / 2 << i);
        }
        assertThat(sleeps.get(FAILING_POLLS - 1)).as("the backoff grows: %s", sleeps).isGreaterThan(sleeps.get(0));
        assertThat(log).as("the failure is logged as a failed poll, with the next try")
                .containsPattern("ERROR \\[[^]]+\\] dev.npcnix.daemon.FollowLoop - poll failed: remote " + java.util.regex.Pattern.quote(remote)
                        + ": .*; next try in \\d+s \\(at ");
        assertThat(log).doesNotContain("quarantined (publish a fix");
        if (fault == Fault.CORRUPT_BODY) {
            assertThat(log).contains("content does not match its ETag");
        }
        if (fault == Fault.STALL || fault == Fault.STALL_MID_BODY) {
            assertThat(log).contains("SocketTimeoutException");
        }
        if (fault != Fault.REFUSE) {
            assertThat(proxy.faultedRequests()).as("requests that met %s", fault).isGreaterThanOrEqualTo(FAILING_POLLS);
        }
        assertThat(bait.connections()).as("connections that followed the redirect").isZero();

        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(rebuild.invocations().get(1).tree().resolve("hosts/web.nix")).content().contains("v2");
        assertThat(HostFiles.appliedEtag(data)).isEqualTo(v2);
        HostState state = HostFiles.state(data);
        assertThat(state.quarantined()).isEmpty();
        assertThat(state.history()).extracting(HostState.Attempt::result).containsOnly(HostState.Result.ACTIVATED);
        FAULTED_REQUESTS.addAndGet(proxy.faultedRequests());
        SURVIVED.incrementAndGet();
    }

    @Test
    void pullThroughCorruptedBytesFailsAndCreatesNothing() throws Exception {
        publish("v1");
        proxy.inject(Fault.CORRUPT_BODY);
        Path dst = tmp.resolve("pulled");
        CliRunner.Result r = host.run("pull", "--remote", remote, "--dst", dst.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("npcnix: ").hasLineCount(1);
        assertThat(dst).doesNotExist();
        assertThat(HostFiles.list(tmp)).containsExactlyInAnyOrder("fake", "flake");
    }

    /** A listener that only counts who connects: where a redirect would lead. */
    private static final class Bait implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger connections = new AtomicInteger();

        private Bait(ServerSocket socket) {
            this.socket = socket;
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "redirect-bait");
            t.setDaemon(true);
            t.start();
        }

        static Bait start() throws IOException {
            return new Bait(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
