package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import dev.npcnix.testing.http.Traffic;
import dev.npcnix.testing.s3.S3Server;
import dev.npcnix.testing.s3.S3ServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side end to end against a real S3-compatible server in this JVM: publish, then the
 * daemon's commands, with the fake nixos-rebuild recording what it was asked to do and the server
 * counting every request.
 */
class S3EndToEndTest {
    @RegisterExtension
    static final S3ServerExtension S3 = new S3ServerExtension();

    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private S3Server server;
    private FakeNixosRebuild rebuild;
    private Path flake;
    private String remote;
    private String data;

    @BeforeEach
    void setUp() {
        server = S3.server();
        String bucket = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        server.setDown(false);
        remote = "s3://" + bucket + "/npcnix/remotes/prod.npcnix";
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env()).env(server.clientEnv());
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        data = tmp.resolve("data").toString();
    }

    private CliRunner.Result publish() {
        CliRunner.Result r = cli.run("publish", "--src", flake.toString(), "--remote", remote);
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    private CliRunner.Result followOnce(String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "--data-dir";
        args[1] = data;
        args[2] = "follow";
        args[3] = "--once";
        System.arraycopy(more, 0, args, 4, more.length);
        return cli.run(args);
    }

    @Test
    void publishThenFollowActivatesWithTheRightArgumentsAndTree() throws Exception {
        publish();
        CliRunner.Result r = followOnce("--remote", remote, "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();

        FakeNixosRebuild.Invocation run = rebuild.invocations().get(0);
        assertThat(run.args().subList(0, 3)).containsExactly("switch", "-L", "--flake");
        assertThat(run.flakeRef()).startsWith("path:" + Path.of(data).toRealPath().resolve("tmp")).endsWith("/flake#web");
        assertThat(run.cwd().toString()).isEqualTo(run.flakeRef().substring(5, run.flakeRef().indexOf('#')));
        assertThat(run.tree().resolve("flake.nix")).hasSameTextualContentAs(flake.resolve("flake.nix"));
        assertThat(run.tree().resolve("hosts/web.nix")).hasSameTextualContentAs(flake.resolve("hosts/web.nix"));
    }

    @Test
    void anUnchangedRemoteCostsOneRequestWithNoBodyAndNoActivation() {
        publish();
        followOnce("--remote", remote, "--configuration", "web");
        server.resetTraffic();

        assertThat(followOnce().code()).isZero();

        Traffic traffic = server.traffic();
        assertThat(traffic.requests()).singleElement().asString().startsWith("GET /");
        assertThat(traffic.responseBodyBytes()).isZero();
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void newPublishAndRenamedConfigurationActivateAgain() throws Exception {
        publish();
        followOnce("--remote", remote, "--configuration", "web");
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"v2\"; }\n");
        publish();
        assertThat(followOnce().code()).isZero();
        assertThat(rebuild.invocations()).hasSize(2);
        assertThat(rebuild.invocations().get(1).tree().resolve("hosts/web.nix")).content().contains("v2");

        assertThat(followOnce("--configuration", "web-canary").code()).isZero();
        assertThat(rebuild.invocations()).hasSize(3);
        assertThat(rebuild.invocations().get(2).flakeRef()).endsWith("#web-canary");
    }

    @Test
    void aPausedHostNeitherAsksTheStoreNorActivates() {
        publish();
        cli.run("--data-dir", data, "config", "set", "remote", remote);
        cli.run("--data-dir", data, "config", "set", "configuration", "web");
        cli.run("--data-dir", data, "pause");
        server.resetTraffic();
        // a one-shot poll of a paused host answers at once
        CliRunner.Result once = followOnce();
        assertThat(once.code()).isZero();
        assertThat(once.err()).contains("npcnix: paused: not polling (npcnix unpause resumes)");
        // --once=activate waits it out: let it run three polls, then unpause from its sleeper
        int[] sleeps = {0};
        cli.sleeper = d -> {
            cli.clock.advance(d);
            if (++sleeps[0] == 3) {
                assertThat(server.traffic().requests()).as("requests while paused: at most its report saying so")
                        .noneMatch(r -> r.startsWith("GET ")).hasSizeLessThanOrEqualTo(1);
                assertThat(rebuild.invocations()).isEmpty();
                cli.run("--data-dir", data, "unpause");
            }
        };
        CliRunner.Result activate = cli.run("--data-dir", data, "follow", "--once=activate");
        assertThat(activate.code()).as(activate.err()).isZero();
        // the release, and once per new release the unsigned remote's rollout file (none here: applied at once)
        assertThat(server.traffic().requests()).as("requests of the one-shot poll and the paused ones, besides the host's reports")
                .filteredOn(r -> !(r.startsWith("PUT ") && r.contains(".hosts/")))
                .satisfiesExactly(r -> assertThat(r).endsWith("/prod.npcnix"), r -> assertThat(r).endsWith("/prod.npcnix.rollout.json"));
        assertThat(rebuild.invocations()).hasSize(1);
    }

    @Test
    void aFailingRebuildIsQuarantinedNotRerunAndRetryRerunsIt() {
        publish();
        rebuild.exitWith(1);
        assertThat(followOnce("--remote", remote, "--configuration", "web").code()).isEqualTo(1);
        server.resetTraffic();
        assertThat(followOnce().code()).isEqualTo(1);
        assertThat(server.traffic().responseBodyBytes()).as("a quarantined release is not downloaded again").isZero();
        assertThat(rebuild.invocations()).hasSize(1);

        rebuild.exitWith(0);
        cli.run("--data-dir", data, "retry");
        assertThat(followOnce().code()).isZero();
        assertThat(rebuild.invocations()).hasSize(2);
    }

    @Test
    void theDaemonSurvivesAStoreOutageAndConvergesWhenItReturns() {
        publish();
        server.setDown(true);
        int[] sleeps = {0};
        cli.sleeper = d -> {
            cli.clock.advance(d);
            if (++sleeps[0] == 4) {
                server.setDown(false);
            }
        };
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once=activate", "--remote", remote, "--configuration", "web");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(sleeps[0]).isEqualTo(4);
        assertThat(rebuild.invocations()).hasSize(1);
        assertThat(cli.run("--data-dir", data, "history").out()).contains("activated").doesNotContain("failed");
    }

    @Test
    void aTruncatedDownloadIsTransientAndNeverUnpacked() {
        publish();
        server.truncateNextResponseBody(100);
        int[] sleeps = {0};
        cli.sleeper = d -> {
            cli.clock.advance(d);
            sleeps[0]++;
        };
        CliRunner.Result once = followOnce("--remote", remote, "--configuration", "web");
        assertThat(once.code()).as("--once is one poll: the truncated download is its answer").isEqualTo(1);
        assertThat(once.err()).endsWith("npcnix: remote " + remote + ": download ended after 100 of 397 bytes\n");
        assertThat(rebuild.invocations()).isEmpty();

        server.truncateNextResponseBody(100);
        CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once=activate");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(sleeps[0]).as("retried after the truncated download").isEqualTo(1);
        assertThat(rebuild.invocations()).hasSize(1);
        assertThat(cli.run("--data-dir", data, "status").out()).contains("quarantined:    none");
    }
}
