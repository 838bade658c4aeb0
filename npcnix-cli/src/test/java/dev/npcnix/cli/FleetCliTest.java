package dev.npcnix.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.npcnix.testing.FakeNixosRebuild;
import dev.npcnix.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hosts following a file:// remote with the real follow command, seen through fleet status, releases and rollback. */
class FleetCliTest {
    @TempDir
    Path tmp;

    private final CliRunner cli = new CliRunner();
    private Path flake;
    private String remote;
    private FakeNixosRebuild rebuild;

    @BeforeEach
    void setUp() {
        flake = Fixtures.webFlake(tmp.resolve("flake"));
        remote = tmp.resolve("store/prod.npcnix").toUri().toString();
        rebuild = FakeNixosRebuild.install(tmp.resolve("fake"));
        cli.env(rebuild.env());
    }

    private CliRunner.Result run(String... args) {
        return cli.run(args);
    }

    private void ok(String... args) {
        CliRunner.Result r = cli.run(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
    }

    private void publish(String version) throws IOException {
        Files.writeString(flake.resolve("hosts/web.nix"), "{ config.system.build.toplevel = \"" + version + "\"; }\n");
        ok("publish", "--src", flake.toString(), "--remote", remote);
    }

    private CliRunner.Result follow(String host) {
        return cli.run("--data-dir", tmp.resolve("data-" + host).toString(), "follow", "--once", "--remote", remote,
                "--configuration", "web", "--host-id", host);
    }

    @Test
    void badFleetOptionsAreRefusedBeforeFollowWritesAnything() throws IOException {
        publish("v1");
        String data = tmp.resolve("data-web-1").toString();
        for (String[] bad : List.of(new String[] {"--host-id", "../etc"}, new String[] {"--report-interval", "0s"})) {
            CliRunner.Result r = cli.run("--data-dir", data, "follow", "--once", "--remote", remote, "--configuration", "web",
                    bad[0], bad[1]);
            assertThat(r.code()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).startsWith("npcnix: " + (bad[0].equals("--host-id") ? "host id '../etc'" : "--report-interval 0s"))
                    .hasLineCount(1);
        }
        assertThat(tmp.resolve("data-web-1").resolve("config.json")).doesNotExist();
        assertThat(tmp.resolve("store/prod.npcnix.hosts")).doesNotExist();
    }

    @Test
    void fleetStatusShowsEveryHostAndExitsOneForAFailingOrSilentOne() throws IOException {
        publish("v1");
        assertThat(follow("web-1").code()).isZero();
        assertThat(follow("web-2").code()).isZero();

        CliRunner.Result all = run("fleet", "status", "--remote", remote);
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("web-1", "web-2").contains("in sync").endsWith("2 hosts: 2 in sync\n");

        cli.clock.advance(Duration.ofMinutes(5));
        publish("v2");
        rebuild.exitWith(1);
        assertThat(follow("web-2").code()).isEqualTo(1);
        CliRunner.Result failing = run("fleet", "status", "--remote", remote);
        assertThat(failing.code()).isEqualTo(1);
        // the release failed here: quarantined, as npcnix status says on that host
        assertThat(failing.out()).containsPattern("web-2 +web +[0-9a-f]{12} +quarantined +0s +nixos-rebuild exited 1")
                .endsWith("2 hosts: 1 quarantined, 1 behind\n");

        cli.clock.advance(Duration.ofHours(5));
        CliRunner.Result silent = run("fleet", "status", "--remote", remote);
        assertThat(silent.code()).isEqualTo(1);
        assertThat(silent.out()).endsWith("2 hosts: 2 silent\n");
    }

    @Test
    void waitConvergedWaitsForTheFleetOnTheInjectedClock() throws IOException {
        publish("v1");
        follow("web-1");
        follow("web-2");
        publish("v2");
        int[] sleeps = {0};
        cli.sleeper = d -> {
            cli.clock.advance(d);
            if (++sleeps[0] == 2) { // the hosts poll while fleet status waits
                follow("web-1");
                follow("web-2");
            }
        };

        CliRunner.Result r = run("fleet", "status", "--remote", remote, "--wait-converged", "10m", "--interval", "30s");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(sleeps[0]).isEqualTo(2);
        assertThat(r.out()).endsWith("2 hosts: 2 in sync\n");
    }

    @Test
    void waitConvergedGivesUpAfterItsTimeout() throws IOException {
        publish("v1");
        follow("web-1");
        publish("v2");

        CliRunner.Result r = run("fleet", "status", "--remote", remote, "--wait-converged", "2m", "--interval", "30s");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("npcnix: fleet of " + remote + ": not converged after 2m (1 host: 1 behind)\n");
    }

    @Test
    void watchShowsTheFleetUntilInterrupted() throws IOException {
        publish("v1");
        follow("web-1");
        int[] sleeps = {0};
        cli.sleeper = d -> {
            cli.clock.advance(d);
            if (++sleeps[0] == 3) {
                throw new InterruptedException("Ctrl-C");
            }
        };

        CliRunner.Result r = run("fleet", "status", "--remote", remote, "--watch", "--interval", "5s");

        assertThat(r.code()).isZero();
        assertThat(r.out().split("1 host: 1 in sync\n", -1)).as("three views").hasSize(4);
    }

    @Test
    void fleetStatusJsonHasThePinnedSchema() throws IOException {
        publish("v1");
        follow("web-1");
        publish("v2");
        rebuild.exitWith(1);
        follow("web-2");

        CliRunner.Result r = run("fleet", "status", "--remote", remote, "--json");

        assertThat(r.code()).isEqualTo(1);
        assertGolden("fleet-status.json", r.out().replaceAll("\"last_modified\" : \"[^\"]+\"", "\"last_modified\" : \"\\$MTIME\""));
    }

    @Test
    void releasesAndRollbackFromTheCommandLine() throws IOException {
        publish("v1");
        follow("web-1");
        publish("v2");
        follow("web-1");

        CliRunner.Result releases = run("releases", "--remote", remote);
        assertThat(releases.code()).as(releases.err()).isZero();
        assertThat(releases.out()).containsPattern("(?m)^1 +[0-9a-f]{12} .* no +\\S+$").containsPattern("(?m)^2 .*\\(current\\)$");

        CliRunner.Result back = run("rollback", "--remote", remote, "--to", "1");
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(back.out()).startsWith("rolled back " + remote + " to release 1\n");
        assertThat(follow("web-1").code()).isZero();
        assertThat(Files.readString(rebuild.invocations().get(rebuild.invocations().size() - 1).tree().resolve("hosts/web.nix")))
                .contains("\"v1\"");
        assertThat(run("releases", "--remote", remote, "--json").out()).contains("\"rollback_of\" : 1");

        CliRunner.Result bad = run("rollback", "--remote", remote, "--to", "zz");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("npcnix: --to zz: expected a sequence number or a SHA-256 prefix");
    }

    private void assertGolden(String name, String actual) throws IOException {
        String normalized = actual.replace(tmp.toRealPath().toString(), "$TMP").replace(tmp.toString(), "$TMP")
                .replaceAll("/tmp/release-[0-9]+/", "/tmp/release-N/")
                .replaceAll("\"npcnix_version\" : \"[^\"]+\"", "\"npcnix_version\" : \"\\$VERSION\"");
        Path written = Path.of("target", "json-actual", name);
        Files.createDirectories(written.getParent());
        Files.writeString(written, normalized);
        try (InputStream in = FleetCliTest.class.getResourceAsStream("json/" + name)) {
            assertThat(in).as("golden json/" + name + " (actual output in " + written.toAbsolutePath() + ")").isNotNull();
            assertThat(normalized).as(name + " (actual output in " + written.toAbsolutePath() + ")")
                    .isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
