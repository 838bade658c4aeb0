package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code follow --once} is one poll: whatever fails, it answers at once with the error and exit 1,
 * without a single wait. {@code --once=activate} waits, visibly, and as long as {@code --timeout} allows.
 */
class OneShotTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private final List<Duration> sleeps = new ArrayList<>();
    private FakeNixosRebuild rebuild;
    private String data;
    private String fileRemote;

    @BeforeEach
    void setUp() {
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
        cli.sleeper = d -> {
            sleeps.add(d);
            cli.clock.advance(d);
        };
        data = tmp.resolve("data").toString();
        fileRemote = tmp.resolve("store/prod.npcnix").toUri().toString();
    }

    private CliRunner.Result once(CliRunner runner, String remote) {
        return runner.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web");
    }

    private void assertAnsweredAtOnce(CliRunner.Result r, String error) {
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).endsWith("npcnix: " + error + "\n").containsOnlyOnce("npcnix: " + error);
        assertThat(sleeps).as("no waiting").isEmpty();
        assertThat(rebuild.invocations()).isEmpty();
    }

    @Test
    void aRemoteThatWasNeverPublished() {
        assertAnsweredAtOnce(once(cli, fileRemote), "remote " + fileRemote + ": not found");
    }

    @Test
    void aWrongSecretKey() {
        S3Server server = S3.server();
        server.setDown(false);
        String bucket = "once-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        String remote = "s3://" + bucket + "/prod.npcnix";
        Map<String, String> env = new HashMap<>(server.clientEnv());
        env.put("AWS_SECRET_ACCESS_KEY", "wrong/" + server.secretKey());
        cli.env(env);
        assertAnsweredAtOnce(once(cli, remote),
                "remote " + remote + ": access denied (s3:GetObject): request signature rejected, check the secret key");
    }

    @Test
    void anUnreachableStore() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String remote = "http://127.0.0.1:" + port + "/prod.npcnix";
        CliRunner.Result r = once(cli, remote);
        assertThat(r.err()).contains("npcnix: remote " + remote + ": cannot connect to 127.0.0.1:" + port);
        assertAnsweredAtOnce(r, r.err().substring(r.err().lastIndexOf("npcnix: ") + 8).strip());
    }

    @Test
    void noNixosRebuildOnThisHost() {
        cli.run("publish", "--src", Fixtures.webFlake(tmp.resolve("flake")).toString(), "--remote", fileRemote);
        CliRunner bare = new CliRunner();
        bare.env(Map.of("PATH", tmp.resolve("empty-bin").toString()));
        bare.sleeper = cli.sleeper;
        CliRunner.Result r = once(bare, fileRemote);
        assertThat(r.err()).contains("nixos-rebuild: not found on PATH (set NPCNIX_NIXOS_REBUILD to its path)");
        assertAnsweredAtOnce(r, r.err().substring(r.err().lastIndexOf("npcnix: ") + 8).strip());
        assertThat(HostFiles.state(tmp.resolve("data")).quarantined()).as("a host problem quarantines nothing").isEmpty();
    }

    @Test
    void onceActivateWaitsVisiblyAndGivesUpAtItsTimeout() {
        long mark = HostFiles.logMark();
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once=activate", "--timeout", "2m", "--remote", fileRemote,
                "--configuration", "web");

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).endsWith("npcnix: follow: gave up after 2m without an activation (last poll: remote " + fileRemote
                + ": not found)\n");
        assertThat(sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofMinutes(2));
        List<String> waits = HostFiles.logSince(mark).lines().filter(l -> l.contains("poll failed: remote " + fileRemote)).toList();
        assertThat(waits).as("one line per failed poll, each with its next try").hasSize(sleeps.size())
                .allSatisfy(l -> assertThat(l).contains(" ERROR ").containsPattern("; next try in \\d+s \\(at 2026-03-01T12:"));
    }

    @Test
    void onceActivateWithoutATimeoutWaitsUntilTheActivation() {
        cli.sleeper = d -> {
            sleeps.add(d);
            cli.clock.advance(d);
            if (sleeps.size() == 3) {
                cli.run("publish", "--src", Fixtures.webFlake(tmp.resolve("flake")).toString(), "--remote", fileRemote);
            }
        };
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once=activate", "--remote", fileRemote, "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(sleeps).hasSize(3);
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void aTimeoutMeansSomethingOnlyWithOnceActivate() {
        for (String[] args : new String[][] {{"follow", "--once", "--timeout", "1m"}, {"follow", "--timeout", "1m"}}) {
            CliRunner.Result r = cli.run(args);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).startsWith("npcnix: --timeout: only with --once=activate");
        }
    }
}
